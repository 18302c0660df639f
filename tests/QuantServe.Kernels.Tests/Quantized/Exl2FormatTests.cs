using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

public class Exl2FormatTests
{
    private sealed record Packed(int[] QWeight, int[] QScale, Half[] QScaleMax, short[] QGroups, short[] QInvperm, double[] Expected);

    /// <summary>Packs like exllamav2: per group pack_columns (bit stream with wshift), 4-bit scale codes, fp16 max scale.</summary>
    private static Packed Pack(int k, int n, int[] groupBits, int[] groupRows, int seed)
    {
        var rng = new Random(seed);
        int groups = groupBits.Length;
        var invperm = Enumerable.Range(0, k).ToArray();
        rng.Shuffle(invperm);
        var words = new List<int[]>();
        var qgroups = new short[2 * groups];
        var qscale = new int[groups * n / 8];
        var qscaleMax = new Half[groups];
        var expected = new double[n * k];
        int storedRow = 0, wordRow = 0;
        for (int g = 0; g < groups; g++)
        {
            int b = groupBits[g], rows = groupRows[g];
            qgroups[2 * g] = (short)b;
            qgroups[2 * g + 1] = (short)wordRow;
            qscaleMax[g] = (Half)(0.5 + rng.NextDouble());
            double maxDiv = (double)(Half)((float)qscaleMax[g] / 256f);
            var codes = new int[rows, n];
            for (int c = 0; c < n; c++)
            {
                int qs = rng.Next(16);
                qscale[g * (n / 8) + c / 8] |= qs << (4 * (c % 8));
                double scale = (double)(Half)((qs + 1) * (qs + 1) * maxDiv);
                for (int r = 0; r < rows; r++)
                {
                    int q = rng.Next(1 << b);
                    codes[r, c] = q;
                    int input = Array.IndexOf(invperm, storedRow + r);
                    expected[c * k + input] = scale * (q - (1 << (b - 1)));
                }
            }
            int groupWords = rows * b / 32;
            for (int w = 0; w < groupWords; w++)
                words.Add(new int[n]);
            for (int c = 0; c < n; c++)
                for (int r = 0; r < rows; r++)
                {
                    // wshift-style placement: bit offset j = r*b, split over words j/32 and j/32 + 1
                    int j = r * b;
                    uint x = (uint)codes[r, c];
                    words[wordRow + j / 32][c] |= (int)(x << (j % 32));
                    if (j % 32 + b > 32)
                        words[wordRow + j / 32 + 1][c] |= (int)(x >> (32 - j % 32));
                }
            wordRow += groupWords;
            storedRow += rows;
        }
        var qweight = new int[wordRow * n];
        for (int w = 0; w < wordRow; w++)
            words[w].CopyTo(qweight, w * n);
        return new Packed(qweight, qscale, qscaleMax, qgroups, invperm.Select(i => (short)i).ToArray(), expected);
    }

    [Fact]
    public void BitsVaryingInsideALayer_DequantizeAndMultiplyExactly()
    {
        int[] bits = [8, 6, 5, 4, 3, 2, 4, 3];
        int[] rows = [32, 32, 64, 32, 32, 64, 32, 32];
        var p = Pack(320, 40, bits, rows, 11);
        using var m = Exl2Format.Create(320, 40, p.QWeight, p.QScale, p.QScaleMax, p.QGroups, p.QInvperm);
        for (int g = 0; g < bits.Length; g++)
            m.GroupBits(g).Should().Be(bits[g]);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
        QuantizedMatrixChecks.ProductsAgree(m, p.Expected, 1, 2, 7);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(8)]
    public void EveryBitWidth_RoundTrips(int bits)
    {
        var p = Pack(128, 16, [bits, bits], [64, 64], bits);
        using var m = Exl2Format.Create(128, 16, p.QWeight, p.QScale, p.QScaleMax, p.QGroups, p.QInvperm);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
        QuantizedMatrixChecks.ProductsAgree(m, p.Expected, 1, 4);
    }

    [Fact]
    public void GroupsOfSixteenTwoBitRows_AreRepackedCodeByCode()
    {
        // 48 two-bit rows end mid-block: the word-for-word fast path does not apply, the general repack must.
        var p = Pack(112, 24, [2, 4, 3], [48, 32, 32], 5);
        using var m = Exl2Format.Create(112, 24, p.QWeight, p.QScale, p.QScaleMax, p.QGroups, p.QInvperm);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
        QuantizedMatrixChecks.ProductsAgree(m, p.Expected, 1, 5);
    }

    [Fact]
    public void BrokenInversePermutation_IsRejectedNamingTheTensor()
    {
        var p = Pack(64, 8, [4], [64], 2);
        p.QInvperm[3] = p.QInvperm[4];
        var act = () => Exl2Format.Create(64, 8, p.QWeight, p.QScale, p.QScaleMax, p.QGroups, p.QInvperm);
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "q_invperm");
    }

    [Fact]
    public void UnsupportedBits_AreRejectedNamingTheTensor()
    {
        var p = Pack(64, 8, [4], [64], 2);
        p.QGroups[0] = 7;
        var act = () => Exl2Format.Create(64, 8, p.QWeight, p.QScale, p.QScaleMax, p.QGroups, p.QInvperm);
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "q_groups" && e.Message.Contains("7 bits"));
    }
}
