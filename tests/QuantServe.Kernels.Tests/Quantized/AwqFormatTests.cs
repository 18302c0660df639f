using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

public class AwqFormatTests
{
    /// <summary>AutoAWQ's GEMM pack: word j of a row takes column 8j + order_map[i] into nibble i.</summary>
    private static readonly int[] OrderMap = [0, 2, 4, 6, 1, 3, 5, 7];

    private sealed record Packed(int[] QWeight, int[] QZeros, Half[] Scales, double[] Expected);

    private static Packed Pack(int k, int n, int groupSize, int seed)
    {
        var rng = new Random(seed);
        int size = groupSize <= 0 ? k : groupSize, groups = (k + size - 1) / size;
        var q = new int[k, n];
        var zeros = new int[groups, n];
        var scales = new Half[groups * n];
        var expected = new double[n * k];
        for (int g = 0; g < groups; g++)
            for (int c = 0; c < n; c++)
            {
                scales[g * n + c] = (Half)(0.001 + rng.NextDouble() * 0.05);
                zeros[g, c] = rng.Next(16); // AWQ zero points have no offset: 0 is storable
            }
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
            {
                q[r, c] = rng.Next(16);
                int g = r / size;
                expected[c * k + r] = (double)scales[g * n + c] * (q[r, c] - zeros[g, c]);
            }
        var qweight = new int[k * n / 8];
        for (int r = 0; r < k; r++)
            for (int j = 0; j < n / 8; j++)
                for (int i = 0; i < 8; i++)
                    qweight[r * (n / 8) + j] |= q[r, 8 * j + OrderMap[i]] << (4 * i);
        var qzeros = new int[groups * n / 8];
        for (int g = 0; g < groups; g++)
            for (int j = 0; j < n / 8; j++)
                for (int i = 0; i < 8; i++)
                    qzeros[g * (n / 8) + j] |= zeros[g, 8 * j + OrderMap[i]] << (4 * i);
        return new Packed(qweight, qzeros, scales, expected);
    }

    [Theory]
    [InlineData(128, 64, 32)]
    [InlineData(256, 48, 128)]
    [InlineData(96, 40, -1)]
    [InlineData(100, 24, 50)]
    public void Dequantized_EqualsPackerElementwise_AndProductsAgree(int k, int n, int groupSize)
    {
        var p = Pack(k, n, groupSize, k + n);
        using var m = AwqFormat.Create(k, n, groupSize, p.QWeight, p.QZeros, p.Scales);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
        QuantizedMatrixChecks.ProductsAgree(m, p.Expected, 1, 6);
    }

    [Theory]
    [InlineData(128, 64, 32)]
    [InlineData(256, 32, -1)]
    public void ConversionToGptq_GivesTheSameMatrix(int k, int n, int groupSize)
    {
        var p = Pack(k, n, groupSize, 3);
        var (qweight, qzeros) = AwqFormat.ToGptq(k, n, groupSize, p.QWeight, p.QZeros, p.Scales);
        using var m = GptqFormat.Create(k, n, 4, groupSize, zeroOffset: false, qweight, qzeros, p.Scales, []);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
    }

    [Fact]
    public void WrongScalesShape_IsRejectedNamingTheTensor()
    {
        var p = Pack(64, 16, 32, 1);
        var act = () => AwqFormat.Create(64, 16, 16, p.QWeight, p.QZeros, p.Scales);
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "qzeros");
    }
}
