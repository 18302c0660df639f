namespace QuantServe.Engine.Calibration;

/// <summary>
/// Packs a <see cref="QuantizedWeight"/> into GPTQ checkpoint tensors (AutoGPTQ's v1 layout, which
/// TGI, transformers and our <c>GptqFormat</c> read): <c>qweight</c> int32 [K*b/32, N], each column a
/// little-endian bit stream down the input rows (row k at bit k*b, 3-bit codes crossing words);
/// <c>qzeros</c> int32 [G, N*b/32], each group's zero - 1 as a bit stream along the output columns;
/// <c>scales</c> fp16 [G, N]; <c>g_idx</c> int32 [K].
/// </summary>
public static class GptqPacker
{
    public static int[] PackWeight(QuantizedWeight q)
    {
        int k = q.InFeatures, n = q.OutFeatures, bits = q.Bits;
        CheckShape(k, n, bits);
        int words = k * bits / 32;
        var packed = new int[(long)words * n];
        Parallel.For(0, n, c =>
        {
            for (int r = 0; r < k; r++)
                Write(packed, c, n, r, bits, q.Codes[(long)c * k + r]);
        });
        return packed;
    }

    public static int[] PackZeros(QuantizedWeight q)
    {
        int n = q.OutFeatures, bits = q.Bits;
        CheckShape(q.InFeatures, n, bits);
        int words = n * bits / 32;
        var packed = new int[(long)q.Groups * words];
        int mask = (1 << bits) - 1;
        for (int g = 0; g < q.Groups; g++)
            for (int c = 0; c < n; c++)
                Write(packed, g * words, 1, c, bits, (uint)((q.Zeros[g * n + c] - 1) & mask));
        return packed;
    }

    public static Half[] PackScales(QuantizedWeight q) => q.Scales.Select(s => (Half)s).ToArray();

    public static void CheckShape(int inFeatures, int outFeatures, int bits)
    {
        if ((long)inFeatures * bits % 32 != 0 || (long)outFeatures * bits % 32 != 0)
            throw new ArgumentException(
                $"a [{outFeatures}, {inFeatures}] matrix cannot be packed at {bits} bits: in and out features times bits must be multiples of 32");
    }

    // Value i of the stream that starts at words[first] and steps by stride words.
    private static void Write(int[] words, long first, long stride, long index, int bits, uint value)
    {
        long bit = index * bits;
        long word = bit >> 5;
        int shift = (int)(bit & 31);
        ulong pair = (ulong)value << shift;
        words[first + word * stride] |= (int)(uint)pair;
        if (shift + bits > 32)
            words[first + (word + 1) * stride] |= (int)(uint)(pair >> 32);
    }
}
