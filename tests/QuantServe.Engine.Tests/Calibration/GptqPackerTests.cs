using QuantServe.Engine.Calibration;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Tests.Calibration;

public sealed unsafe class GptqPackerTests
{
    [Theory]
    [InlineData(2, 32, false, true)]
    [InlineData(3, 32, true, false)]
    [InlineData(4, 64, true, true)]
    [InlineData(4, -1, false, false)]
    [InlineData(8, 32, false, true)]
    public void PackedTensors_ReadBackThroughTheGptqFormatAsTheDequantizedWeight(int bits, int groupSize, bool actOrder, bool sym)
    {
        const int n = 64, k = 128, rows = 300;
        var x = CorrelatedInputs.Create(rows, k, seed: 51);
        var w = CorrelatedInputs.Weight(n, k, seed: 52);
        var (_, h) = CorrelatedInputs.Hessian(x, rows, k);
        var q = GptqSolver.Quantize(w, n, k, h, new GptqOptions { Bits = bits, GroupSize = groupSize, ActOrder = actOrder, Sym = sym });

        using var matrix = GptqFormat.Create(k, n, bits, groupSize, zeroOffset: true,
            GptqPacker.PackWeight(q), GptqPacker.PackZeros(q), GptqPacker.PackScales(q), q.GroupIndex);

        var expected = q.Dequantize();
        var identity = new float[k * k];
        for (int i = 0; i < k; i++)
            identity[i * k + i] = 1;
        var columns = new float[k * n]; // row i = W[:, i]
        fixed (float* input = identity, output = columns)
            matrix.Multiply(input, output, k);
        for (int r = 0; r < n; r++)
            for (int c = 0; c < k; c++)
                columns[c * n + r].Should().BeApproximately(expected[r * k + c], 1e-6f, $"W[{r}, {c}]");
    }

    [Fact]
    public void Zeros_AreStoredMinusOne_AndCodesRunDownTheInputRows()
    {
        // 4 bits, 8 inputs x 8 outputs, one group: code of W[r, c] = (r + c) % 16, zero 8 (sym).
        var codes = new byte[8 * 8];
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++)
                codes[r * 8 + c] = (byte)((r + c) % 16);
        var q = new QuantizedWeight(8, 8, 4, -1, codes, Enumerable.Repeat(0.5f, 8).ToArray(), Enumerable.Repeat(8, 8).ToArray(), new int[8]);
        var qweight = GptqPacker.PackWeight(q);
        qweight.Should().HaveCount(8); // [8 * 4 / 32, 8]
        // Column 0 holds W[0, 0..7] = codes 0..7, input row i in nibble i.
        qweight[0].Should().Be(0x76543210);
        GptqPacker.PackZeros(q).Should().Equal(0x77777777);
    }
}
