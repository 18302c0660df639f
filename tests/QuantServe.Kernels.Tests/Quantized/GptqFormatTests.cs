using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

public class GptqFormatTests
{
    public static TheoryData<int, int, bool, bool, bool> Variants()
    {
        var data = new TheoryData<int, int, bool, bool, bool>();
        foreach (int bits in new[] { 2, 3, 4, 8 })
            foreach (int group in new[] { -1, 32, 64, 128 })
                foreach (bool sym in new[] { false, true })
                    foreach (bool act in new[] { false, true })
                        data.Add(bits, group, sym, act, bits == 4 && group == 32);
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Dequantized_EqualsPackerElementwise_ForEveryVariant(int bits, int groupSize, bool symmetric, bool actOrder, bool v2)
    {
        var p = new GptqTestPacker { In = 256, Out = 64, Bits = bits, GroupSize = groupSize, Symmetric = symmetric, ActOrder = actOrder, V2 = v2 }.Pack();
        using var m = GptqFormat.Create(p.In, p.Out, bits, groupSize, !v2, p.QWeight, p.QZeros, p.Scales, actOrder ? p.GIdx : []);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
    }

    [Theory]
    [InlineData(2, 32, false, false)]
    [InlineData(3, 64, true, true)]
    [InlineData(3, -1, false, false)]
    [InlineData(4, 128, false, true)]
    [InlineData(4, 20, false, false)]
    [InlineData(4, 40, false, false)]
    [InlineData(8, 48, true, true)]
    public void Products_SimdScalarAndFloat64Agree(int bits, int groupSize, bool symmetric, bool actOrder)
    {
        // out = 96 (3 bits needs 32 | out): 64 + 32 SIMD columns; in = 160: groups of 20, 40 and 48 do not align with
        // 32-row blocks (40 and 48: a whole block and a partial one). 2 and 3 rows: the batched 4-bit GEMV.
        var p = new GptqTestPacker { In = 160, Out = 96, Bits = bits, GroupSize = groupSize, Symmetric = symmetric, ActOrder = actOrder, Seed = bits }.Pack();
        using var m = GptqFormat.Create(p.In, p.Out, bits, groupSize, true, p.QWeight, p.QZeros, p.Scales, actOrder ? p.GIdx : []);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
        QuantizedMatrixChecks.ProductsAgree(m, p.Expected, 1, 2, 3, 4, 9);
    }

    [Theory]
    [InlineData(4, 8, 24)]
    [InlineData(8, 4, 20)]
    [InlineData(2, 16, 48)]
    [InlineData(4, 40, 8)]
    [InlineData(4, 64, 24)]
    [InlineData(8, 96, 24)]
    [InlineData(2, 64, 48)]
    public void OddShapes_CoverVector256AndScalarColumnTails(int bits, int inFeatures, int outFeatures)
    {
        var p = new GptqTestPacker { In = inFeatures, Out = outFeatures, Bits = bits, GroupSize = -1 }.Pack();
        using var m = GptqFormat.Create(p.In, p.Out, bits, -1, true, p.QWeight, p.QZeros, p.Scales, []);
        QuantizedMatrixChecks.DequantizedEquals(m, p.Expected);
        QuantizedMatrixChecks.ProductsAgree(m, p.Expected, 1, 2, 5);
    }

    [Fact]
    public void Gptq3Bit_UnpacksAcrossWordBoundaries()
    {
        // Rows 10 and 21 of every 32 straddle two words; give them the top code so every straddled bit matters.
        var qweight = new int[3];
        var values = new int[32];
        for (int i = 0; i < 32; i++)
            values[i] = i is 10 or 21 ? 7 : i % 8;
        var packed = GptqTestPacker.PackStream(values, 3);
        for (int i = 0; i < 3; i++)
            qweight[i] = (int)packed[i];
        using var m = GptqFormat.Create(32, 32, 3, -1, false, Repeat(qweight, 32), new int[3], Enumerable.Repeat((Half)1, 32).ToArray(), []);
        for (int i = 0; i < 32; i++)
            m.Code(i, 5).Should().Be((uint)values[i], $"row {i}");
    }

    [Fact]
    public void V1Zeros_AddOneWithoutWrapping_AsTgiKernelsDo()
    {
        // One column group of 8 outputs, zero codes 0..7 stored; v1 reads them as 1..8, v2 as 0..7.
        var qzeros = new int[] { 0x76543210 };
        var qweight = new int[8];
        var scales = Enumerable.Repeat((Half)1, 8).ToArray();
        using var v1 = GptqFormat.Create(8, 8, 4, -1, true, qweight, qzeros, scales, []);
        using var v2 = GptqFormat.Create(8, 8, 4, -1, false, qweight, qzeros, scales, []);
        var row = new float[8];
        for (int c = 0; c < 8; c++)
        {
            v1.DequantizeRow(c, row);
            row[0].Should().Be(-(c + 1));
            v2.DequantizeRow(c, row);
            row[0].Should().Be(-c);
        }
    }

    [Fact]
    public void GIdxOutOfRange_IsRejectedNamingTheTensor()
    {
        var p = new GptqTestPacker { In = 64, Out = 32, Bits = 4, GroupSize = 32, ActOrder = true }.Pack();
        p.GIdx[5] = 2;
        var act = () => GptqFormat.Create(p.In, p.Out, 4, 32, true, p.QWeight, p.QZeros, p.Scales, p.GIdx);
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "g_idx" && e.Message.Contains("g_idx[5] = 2"));
    }

    [Fact]
    public void UnsupportedBits_AreRejected()
    {
        var act = () => GptqFormat.Create(64, 32, 5, -1, true, new int[10 * 32], new int[5], new Half[32], []);
        act.Should().Throw<ArgumentException>().WithMessage("*bits 5*");
    }

    [Fact]
    public void WrongQWeightLength_IsRejectedNamingTheTensor()
    {
        var act = () => GptqFormat.Create(64, 32, 4, -1, true, new int[7 * 32], new int[4], new Half[32], []);
        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "qweight");
    }

    private static int[] Repeat(int[] column, int columns)
    {
        var result = new int[column.Length * columns];
        for (int r = 0; r < column.Length; r++)
            for (int c = 0; c < columns; c++)
                result[r * columns + c] = column[r];
        return result;
    }
}
