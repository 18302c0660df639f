namespace QuantServe.Kernels.Quantized;

/// <summary>
/// AWQ checkpoints (AutoAWQ "GEMM" version, 4-bit), K = in_features, N = out_features:
/// <list type="bullet">
/// <item><c>qweight</c> int32 [K, N/8]: word (k, j) holds columns 8j..8j+7 of row k, nibble i (bits 4i..4i+3)
/// holding column 8j + Order[i] with Order = [0, 2, 4, 6, 1, 3, 5, 7].</item>
/// <item><c>qzeros</c> int32 [G, N/8]: the zero points, packed the same way, no offset.</item>
/// <item><c>scales</c> fp16 [G, N]; no g_idx: row k is in group k / group_size.</item>
/// </list>
/// W[n, k] = scales[g, n] * (q[k, n] - zero[g, n]).
/// </summary>
public static unsafe class AwqFormat
{
    /// <summary>Nibble i of a word holds column Order[i] of its 8.</summary>
    public static ReadOnlySpan<int> Order => [0, 2, 4, 6, 1, 3, 5, 7];

    /// <summary>Column c of a word sits in nibble ReverseOrder[c].</summary>
    public static ReadOnlySpan<int> ReverseOrder => [0, 4, 1, 5, 2, 6, 3, 7];

    public static GptqMatrix Create(
        int inFeatures, int outFeatures, int groupSize,
        ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales)
    {
        int groups = Validate(inFeatures, outFeatures, groupSize, qweight, qzeros, scales);
        int k = inFeatures, n = outFeatures, words = n / 8;
        int size = groupSize <= 0 ? k : groupSize;
        var groupRows = new int[groups];
        for (int g = 0; g < groups; g++)
            groupRows[g] = Math.Min(size, k - g * size);
        var scaleValues = new float[groups * n];
        var zeroValues = new float[groups * n];
        for (int g = 0; g < groups; g++)
            for (int c = 0; c < n; c++)
            {
                scaleValues[g * n + c] = (float)scales[g * n + c];
                zeroValues[g * n + c] = Nibble(qzeros[g * words + c / 8], c);
            }
        var bits = new int[groups];
        Array.Fill(bits, 4);
        fixed (int* qp = qweight)
            return GptqMatrix.Create(k, n, groupRows, bits, scaleValues, zeroValues, ReadOnlySpan<int>.Empty, new Codes(qp, words));
    }

    /// <summary>
    /// What TGI's <c>fast_awq_to_gptq</c> does: unpack, undo the interleave and repack into GPTQ's layout
    /// (qweight [K/8, N] along the input rows, qzeros [G, N/8] along the columns, plain nibble order).
    /// TGI then stores zero - 1 for its v1 kernels, which turns a zero point of 0 into 16; we keep the
    /// zero as it is, so the result is a gptq_v2 (no offset) checkpoint and converts losslessly.
    /// </summary>
    public static (int[] QWeight, int[] QZeros) ToGptq(
        int inFeatures, int outFeatures, int groupSize, ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales)
    {
        int groups = Validate(inFeatures, outFeatures, groupSize, qweight, qzeros, scales);
        if (inFeatures % 8 != 0)
            throw new ArgumentException($"in_features {inFeatures} is not a multiple of 8; GPTQ packs 8 rows per word", "qweight");
        int k = inFeatures, n = outFeatures, words = n / 8;
        var gptqWeight = new int[k / 8 * n];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
                gptqWeight[(r / 8) * n + c] |= (int)(Nibble(qweight[r * words + c / 8], c) << (4 * (r % 8)));
        var gptqZeros = new int[groups * words];
        for (int g = 0; g < groups; g++)
            for (int c = 0; c < n; c++)
                gptqZeros[g * words + c / 8] |= (int)(Nibble(qzeros[g * words + c / 8], c) << (4 * (c % 8)));
        return (gptqWeight, gptqZeros);
    }

    private static int Validate(int k, int n, int groupSize, ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales)
    {
        if (k <= 0 || n <= 0)
            throw new ArgumentException($"shape [{n}, {k}] is empty");
        if (n % 8 != 0)
            throw new ArgumentException($"out_features {n} is not a multiple of 8; AWQ packs 8 columns per word", "qweight");
        int size = groupSize <= 0 ? k : groupSize;
        int groups = (k + size - 1) / size;
        if (qweight.Length != (long)k * (n / 8))
            throw new ArgumentException($"qweight has {qweight.Length} values, expected [{k}, {n / 8}]", "qweight");
        if (qzeros.Length != (long)groups * (n / 8))
            throw new ArgumentException($"qzeros has {qzeros.Length} values, expected [{groups}, {n / 8}] for group_size {groupSize}", "qzeros");
        if (scales.Length != (long)groups * n)
            throw new ArgumentException($"scales has {scales.Length} values, expected [{groups}, {n}] for group_size {groupSize}", "scales");
        return groups;
    }

    private static uint Nibble(int word, int column) => ((uint)word >> (4 * ReverseOrder[column & 7])) & 0xF;

    private readonly struct Codes(int* qweight, int words) : IGptqCodes
    {
        public uint Code(int storedRow, int column) => Nibble(qweight[(long)storedRow * words + column / 8], column);
    }
}
