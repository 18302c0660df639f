namespace QuantServe.Kernels.Quantized;

/// <summary>
/// GPTQ checkpoints (AutoGPTQ / GPTQModel / TGI quantize), K = in_features, N = out_features, b = bits:
/// <list type="bullet">
/// <item><c>qweight</c> int32 [K*b/32, N]: each column is a <see cref="GptqBitStream"/> down the input rows
/// (row k at bit k*b; b = 3 packs 32 rows into 3 words, crossing word boundaries).</item>
/// <item><c>qzeros</c> int32 [G, N*b/32]: each group's zero points, a bit stream along the output columns.
/// v1 checkpoints store zero - 1 and the reader adds 1 back without wrapping (as the exllama kernels
/// TGI runs do: a stored 2^b - 1 reads as 2^b); <c>checkpoint_format: gptq_v2</c> stores the zero itself.</item>
/// <item><c>scales</c> fp16 [G, N].</item>
/// <item><c>g_idx</c> int32 [K] (optional): the group of each input row; with desc_act (act-order) it is not
/// monotonic. Absent, row k is in group k / group_size (group_size -1: one group).</item>
/// </list>
/// W[n, k] = scales[g, n] * (q[k, n] - zero[g, n]) with g = g_idx[k]. Rows are reordered by group at load
/// (a stable sort of g_idx) so each group is contiguous in <see cref="GptqMatrix"/>.
/// </summary>
public static unsafe class GptqFormat
{
    public static readonly int[] SupportedBits = [2, 3, 4, 8];

    public static GptqMatrix Create(
        int inFeatures, int outFeatures, int bits, int groupSize, bool zeroOffset,
        ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales, ReadOnlySpan<int> gIdx)
    {
        if (Array.IndexOf(SupportedBits, bits) < 0)
            throw new ArgumentException($"gptq bits {bits} are not supported; use 2, 3, 4 or 8", "bits");
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"shape [{outFeatures}, {inFeatures}] is empty");
        if ((long)inFeatures * bits % 32 != 0)
            throw new ArgumentException($"in_features {inFeatures} x {bits} bits is not a whole number of int32 words", "qweight");
        if ((long)outFeatures * bits % 32 != 0)
            throw new ArgumentException($"out_features {outFeatures} x {bits} bits is not a whole number of int32 words", "qzeros");
        int n = outFeatures, k = inFeatures;
        if (qweight.Length != (long)k * bits / 32 * n)
            throw new ArgumentException($"qweight has {qweight.Length} values, expected [{k * bits / 32}, {n}]", "qweight");
        if (scales.Length == 0 || scales.Length % n != 0)
            throw new ArgumentException($"scales has {scales.Length} values, not [groups, {n}]", "scales");
        int groups = scales.Length / n;
        int zeroWords = n * bits / 32;
        if (qzeros.Length != (long)groups * zeroWords)
            throw new ArgumentException($"qzeros has {qzeros.Length} values, expected [{groups}, {zeroWords}]", "qzeros");

        var groupOf = new int[k];
        if (gIdx.IsEmpty)
        {
            int size = groupSize <= 0 ? k : groupSize;
            int expected = (k + size - 1) / size;
            if (expected != groups)
                throw new ArgumentException($"group_size {groupSize} gives {expected} groups for {k} inputs but scales has {groups}", "scales");
            for (int i = 0; i < k; i++)
                groupOf[i] = i / size;
        }
        else
        {
            if (gIdx.Length != k)
                throw new ArgumentException($"g_idx has {gIdx.Length} entries, expected {k}", "g_idx");
            for (int i = 0; i < k; i++)
            {
                if ((uint)gIdx[i] >= (uint)groups)
                    throw new ArgumentException($"g_idx[{i}] = {gIdx[i]} is outside [0, {groups}) (scales has {groups} groups)", "g_idx");
                groupOf[i] = gIdx[i];
            }
        }

        // Stable counting sort of the input rows by group.
        var groupRows = new int[groups];
        foreach (int g in groupOf)
            groupRows[g]++;
        var next = new int[groups];
        for (int g = 1; g < groups; g++)
            next[g] = next[g - 1] + groupRows[g - 1];
        var order = new int[k];
        for (int i = 0; i < k; i++)
            order[next[groupOf[i]]++] = i;

        var scaleValues = new float[groups * n];
        var zeroValues = new float[groups * n];
        fixed (int* zp = qzeros)
        {
            for (int g = 0; g < groups; g++)
                for (int c = 0; c < n; c++)
                {
                    scaleValues[g * n + c] = (float)scales[g * n + c];
                    uint z = GptqBitStream.Read(zp + (long)g * zeroWords, 1, c, bits);
                    zeroValues[g * n + c] = zeroOffset ? z + 1 : z;
                }
        }

        var bitsOfGroup = new int[groups];
        Array.Fill(bitsOfGroup, bits);
        bool sequential = true;
        for (int i = 0; i < k && sequential; i++)
            sequential = order[i] == i;
        bool aligned = true;
        foreach (int rows in groupRows)
            aligned &= rows % 32 == 0;
        if (sequential && aligned)
            return GptqMatrix.CreateFromStreams(k, n, groupRows, bitsOfGroup, scaleValues, zeroValues, [], qweight);
        fixed (int* qp = qweight)
        fixed (int* op = order)
            return GptqMatrix.Create(k, n, groupRows, bitsOfGroup, scaleValues, zeroValues, order, new Codes(qp, op, n, bits));
    }

    private readonly struct Codes(int* qweight, int* order, int columns, int bits) : IGptqCodes
    {
        public uint Code(int storedRow, int column) => GptqBitStream.Read(qweight + column, columns, order[storedRow], bits);
    }
}
