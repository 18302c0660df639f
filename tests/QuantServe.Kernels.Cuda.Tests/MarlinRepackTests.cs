using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// The host repack of Marlin checkpoints into GPTQ's layout (no GPU needed). A test packer builds B and s from known
/// codes following the documented layout, the repack must give back exactly W = s * (q - 8).
/// </summary>
public sealed class MarlinRepackTests
{
    [Theory]
    [InlineData(128, 64, 128)]
    [InlineData(256, 128, -1)]
    public void Repacked_weights_equal_the_codes_the_checkpoint_was_packed_from(int k, int n, int groupSize)
    {
        var random = new Random(k + n);
        int groups = groupSize == 128 ? k / 128 : 1;
        int[,] codes = new int[k, n];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < n; c++)
                codes[r, c] = random.Next(16);
        }

        Half[] scales = Enumerable.Range(0, groups * n).Select(_ => (Half)(random.NextDouble() + 0.5)).ToArray();
        var (b, s) = Pack(codes, scales, k, n, groups);

        var (qweight, qzeros, gptqScales) = MarlinRepack.ToGptq(k, n, groupSize, b, s);
        float[] w = QuantizedReference.Gptq(qweight, qzeros, gptqScales, null, k / groups, 4, 0, n, k);

        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < n; c++)
                w[c * k + r].Should().Be((float)scales[r / (k / groups) * n + c] * (codes[r, c] - 8), $"row {r}, column {c}");
        }
    }

    [Fact]
    public void The_shuffles_are_permutations()
    {
        MarlinRepack.Permutation.Order().Should().Equal(Enumerable.Range(0, 1024));
        MarlinRepack.ScalePermutation.Order().Should().Equal(Enumerable.Range(0, 64));
        MarlinRepack.SingleScalePermutation.Order().Should().Equal(Enumerable.Range(0, 32));
    }

    [Fact]
    public void Unsupported_group_sizes_are_refused()
    {
        FluentActions.Invoking(() => MarlinRepack.ToGptq(256, 64, 64, new int[16 * 128], new Half[4 * 64]))
            .Should().Throw<ArgumentException>().WithMessage("marlin: group size 64 is not supported*");
    }

    // Layer.pack, as the format documents it: tiles, the 1024-position shuffle, 8 nibbles per word; scales shuffled in chunks.
    internal static (int[] B, Half[] S) Pack(int[,] codes, Half[] scales, int k, int n, int groups)
    {
        var b = new int[k / 16 * 2 * n];
        var row = new int[16 * n];
        for (int t = 0; t < k / 16; t++)
        {
            for (int r = 0; r < 16; r++)
            {
                for (int c = 0; c < n; c++)
                    row[c / 16 * 256 + r * 16 + c % 16] = codes[16 * t + r, c];
            }

            for (int p = 0; p < row.Length; p++)
            {
                int source = p / 1024 * 1024 + MarlinRepack.Permutation[p % 1024];
                b[t * 2 * n + p / 8] |= row[source] << (4 * (p % 8));
            }
        }

        int[] scalePermutation = groups > 1 ? MarlinRepack.ScalePermutation : MarlinRepack.SingleScalePermutation;
        int chunk = scalePermutation.Length;
        var s = new Half[scales.Length];
        for (int i = 0; i < s.Length; i++)
            s[i] = scales[i / chunk * chunk + scalePermutation[i % chunk]];
        return (b, s);
    }
}
