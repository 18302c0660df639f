using QuantServe.Engine.Calibration;

namespace QuantServe.Engine.Tools;

/// <summary>
/// Packs a 4-bit <see cref="QuantizedWeight"/> into AutoAWQ's GEMM checkpoint tensors: <c>qweight</c> int32
/// [K, N/8], word (k, j) holding output columns 8j..8j+7 of input row k with nibble i (bits 4i..4i+3)
/// holding column 8j + [0, 2, 4, 6, 1, 3, 5, 7][i]; <c>qzeros</c> int32 [G, N/8], the zero points packed
/// the same way without an offset; <c>scales</c> fp16 [G, N]. Row k is in group k / group_size (no g_idx),
/// and W[n, k] = scales[g, n] * (q[k, n] - zero[g, n]).
/// </summary>
public static class AwqPacker
{
    // Nibble of output column c (mod 8) within its word: the inverse of AWQ's interleave [0, 2, 4, 6, 1, 3, 5, 7].
    private static readonly int[] NibbleOfColumn = [0, 4, 1, 5, 2, 6, 3, 7];

    public static (int[] QWeight, int[] QZeros, Half[] Scales) Pack(QuantizedWeight q)
    {
        int k = q.InFeatures, n = q.OutFeatures;
        if (q.Bits != 4)
            throw new ArgumentException($"awq packs 4-bit codes; this weight has {q.Bits} bits", nameof(q));
        if (n % 8 != 0)
            throw new ArgumentException($"awq packs 8 output columns per word; out_features {n} is not a multiple of 8", nameof(q));
        int size = q.GroupSize <= 0 ? k : q.GroupSize;
        for (int c = 0; c < k; c++)
            if (q.GroupIndex[c] != c / size)
                throw new ArgumentException($"awq has no g_idx: input {c} must be in group {c / size}, not {q.GroupIndex[c]} (act-order cannot be stored)", nameof(q));
        int words = n / 8;
        var qweight = new int[(long)k * words];
        Parallel.For(0, k, row =>
        {
            for (int col = 0; col < n; col++)
                qweight[(long)row * words + col / 8] |= (q.Codes[(long)col * k + row] & 0xF) << (4 * NibbleOfColumn[col & 7]);
        });
        var qzeros = new int[q.Groups * words];
        for (int g = 0; g < q.Groups; g++)
            for (int col = 0; col < n; col++)
            {
                int zero = q.Zeros[g * n + col];
                if ((uint)zero > 15)
                    throw new ArgumentException($"awq zero points are 4-bit; group {g} column {col} has {zero}", nameof(q));
                qzeros[g * words + col / 8] |= zero << (4 * NibbleOfColumn[col & 7]);
            }
        return (qweight, qzeros, q.Scales.Select(s => (Half)s).ToArray());
    }
}
