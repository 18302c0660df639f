using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

public class MarlinFormatTests
{
    /// <summary>
    /// IST-DASLab/marlin Layer.pack, step by step on index arrays: codes [K, N] -> (K/16, 16, N/16, 16) ->
    /// permute (0, 2, 1, 3) -> rows of 16N -> each 1024 shuffled by _perm -> 8 nibbles per word.
    /// Scales: reshape (-1, 64)[:, scale_perm] (grouped) or (-1, 32)[:, scale_perm_single].
    /// </summary>
    private static (int[] B, Half[] S, double[] Expected) Pack(int k, int n, int groupSize, int seed)
    {
        var rng = new Random(seed);
        int groups = groupSize == -1 ? 1 : k / groupSize, size = k / groups;
        var s = new Half[groups * n];
        for (int i = 0; i < s.Length; i++)
            s[i] = (Half)(0.001 + rng.NextDouble() * 0.02);
        var w = new int[k, n];
        var expected = new double[n * k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
            {
                w[r, c] = rng.Next(16);
                expected[c * k + r] = (double)s[r / size * n + c] * (w[r, c] - 8);
            }

        // perm exactly as _get_perms builds it
        var perm = new List<int>();
        for (int i = 0; i < 32; i++)
        {
            var perm1 = new List<int>();
            int col = i / 4;
            for (int block = 0; block < 2; block++)
                foreach (int row in new[] { 2 * (i % 4), 2 * (i % 4) + 1, 2 * (i % 4 + 4), 2 * (i % 4 + 4) + 1 })
                    perm1.Add(16 * row + col + 8 * block);
            for (int j = 0; j < 4; j++)
                perm.AddRange(perm1.Select(p => p + 256 * j));
        }
        int[] interleave = [0, 2, 4, 6, 1, 3, 5, 7];
        var permI = Enumerable.Range(0, 1024).Select(x => perm[x / 8 * 8 + interleave[x % 8]]).ToArray();

        int rowLen = n * 16;
        var res = new int[k / 16, rowLen];
        for (int a = 0; a < k / 16; a++)
            for (int b = 0; b < n / 16; b++)
                for (int c = 0; c < 16; c++)
                    for (int d = 0; d < 16; d++)
                        res[a, b * 256 + c * 16 + d] = w[a * 16 + c, b * 16 + d];
        var shuffled = new int[k / 16, rowLen];
        for (int a = 0; a < k / 16; a++)
            for (int j = 0; j < rowLen; j++)
                shuffled[a, j] = res[a, j / 1024 * 1024 + permI[j % 1024]];
        var bw = new int[k / 16 * rowLen / 8];
        for (int a = 0; a < k / 16; a++)
            for (int col = 0; col < rowLen / 8; col++)
                for (int i = 0; i < 8; i++)
                    bw[a * (rowLen / 8) + col] |= shuffled[a, col * 8 + i] << (4 * i);

        int[] scalePerm = groups > 1
            ? Enumerable.Range(0, 8).SelectMany(i => Enumerable.Range(0, 8).Select(j => i + 8 * j)).ToArray()
            : Enumerable.Range(0, 4).SelectMany(i => new[] { 0, 1, 8, 9, 16, 17, 24, 25 }.Select(j => 2 * i + j)).ToArray();
        var sStored = new Half[s.Length];
        for (int i = 0; i < s.Length; i++)
            sStored[i] = s[i / scalePerm.Length * scalePerm.Length + scalePerm[i % scalePerm.Length]];
        return (bw, sStored, expected);
    }

    [Theory]
    [InlineData(128, 256, -1)]
    [InlineData(256, 256, 128)]
    [InlineData(128, 64, -1)]
    public void NativeLayout_DequantizesToThePackedCodes(int k, int n, int groupSize)
    {
        var (b, s, expected) = Pack(k, n, groupSize, k + n);
        using var m = MarlinFormat.Create(k, n, groupSize, b, s);
        QuantizedMatrixChecks.DequantizedEquals(m, expected);
        QuantizedMatrixChecks.ProductsAgree(m, expected, 1, 5);
    }

    [Fact]
    public void GroupSize64_IsRejected()
    {
        var act = () => MarlinFormat.Create(128, 64, 64, new int[8 * 128], new Half[2 * 64]);
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "s");
    }
}
