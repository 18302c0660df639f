namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>The device tests' references, checked on hand-made examples (they run without a GPU).</summary>
public sealed class QuantizedReferenceTests
{
    [Theory]
    [InlineData(0x38, 1f)]
    [InlineData(0x7E, 448f)]
    [InlineData(0xFE, -448f)]
    [InlineData(0x01, 0.001953125f)] // 1/8 * 2^-6, the smallest subnormal
    [InlineData(0x08, 0.015625f)]    // 2^-6, the smallest normal
    [InlineData(0x00, 0f)]
    public void E4M3_decodes_by_the_definition(byte code, float value)
    {
        QuantizedReference.E4M3(code).Should().Be(value);
    }

    [Fact]
    public void Gptq_reads_rows_down_the_word_and_zeros_along_the_columns()
    {
        // 4-bit, K = 8, N = 8: column 1's word holds rows 0..7 as nibbles 0..7 = 1, 2, ..., 8 (row 0 lowest).
        var qweight = new int[8];
        qweight[1] = unchecked((int)0x87654321u);
        // zeros: column 1 in nibble 1 of group 0's single word, stored 2 (v1: zero - 1, so the zero is 3).
        int[] qzeros = [0x20];
        Half[] scales = Enumerable.Repeat((Half)0.5f, 8).ToArray();

        float[] w = QuantizedReference.Gptq(qweight, qzeros, scales, null, 8, 4, 1, 8, 8);

        w.AsSpan(1 * 8, 8).ToArray().Should().Equal(-1f, -0.5f, 0f, 0.5f, 1f, 1.5f, 2f, 2.5f);
        w[0].Should().Be(-0.5f, "column 0: code 0, zero 0 + 1");
    }

    [Fact]
    public void Awq_places_nibble_i_at_column_order_i()
    {
        // One row, 8 columns: nibble i holds the value i, so column Order[i] gets i.
        int[] qweight = [unchecked((int)0x76543210u)];
        Half[] scales = Enumerable.Repeat((Half)1f, 8).ToArray();

        float[] w = QuantizedReference.Awq(qweight, [0], scales, 1, 8, 1);

        w.Should().Equal(0f, 4f, 1f, 5f, 2f, 6f, 3f, 7f);
    }

    [Fact]
    public void Bnb4_takes_the_high_nibble_first()
    {
        float[] codebook = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();

        float[] w = QuantizedReference.Bnb4([0x3A], codebook, [2f], 64, 1, 2);

        w.Should().Equal(6f, 20f);
    }

    [Fact]
    public void Exl2_reads_3_bit_values_across_word_boundaries_and_applies_the_permutation()
    {
        // 8 columns, one 3-bit group of 32 rows (3 word rows). Column 0's stream holds row r = r % 8.
        const int n = 8, k = 32;
        var qWeight = new int[3 * n];
        for (int r = 0; r < k; r++)
        {
            long bit = r * 3L;
            ulong value = (ulong)(r % 8) << (int)(bit & 31);
            qWeight[(bit >> 5) * n] |= (int)(uint)value;
            if ((bit & 31) + 3 > 32)
                qWeight[((bit >> 5) + 1) * n] |= (int)(uint)(value >> 32);
        }

        // qs = 1 for every column: scale = (1 + 1)^2 * 256/256 = 4; zero = 4. Feature i lives in stored row 31 - i.
        int[] qScale = [0x11111111];
        short[] invperm = Enumerable.Range(0, k).Select(i => (short)(k - 1 - i)).ToArray();

        float[] w = QuantizedReference.Exl2(qWeight, qScale, [(Half)256f], [3, 0], invperm, n, k);

        for (int i = 0; i < k; i++)
            w[i].Should().Be(4f * ((k - 1 - i) % 8 - 4), $"feature {i}");
    }
}
