namespace QuantServe.Kernels.Quantized;

/// <summary>
/// EXL2 checkpoints (exllamav2), K = in_features, N = out_features, G groups:
/// <list type="bullet">
/// <item><c>q_groups</c> int16 [2G]: per group (bits, first word-row in q_weight). Group g spans
/// (next start - start) word-rows and (word-rows * 32 / bits) input rows; the last group takes the
/// rows that are left. Bits are 2, 3, 4, 5, 6 or 8 and vary between groups of one layer.</item>
/// <item><c>q_weight</c> int32 [sum of word-rows, N]: within a group each column is a
/// <see cref="GptqBitStream"/> (exllamav2's pack_columns: row r at bit r*bits from the group's first word).</item>
/// <item><c>q_scale</c> int32 [G, N/8]: 4-bit scale codes qs along the columns, column c in bits 4(c%8)..;
/// <c>q_scale_max</c> fp16 [G]. scale = fp16((qs + 1)^2 * fp16(q_scale_max / 256)), as exllamav2's
/// dq_scale computes it in half precision.</item>
/// <item><c>q_invperm</c> int16 [K]: stored row q_invperm[i] holds input feature i (act-order).</item>
/// </list>
/// Symmetric: W[n, i] = scale * (q - 2^(bits-1)).
/// </summary>
public static unsafe class Exl2Format
{
    public static GptqMatrix Create(
        int inFeatures, int outFeatures,
        ReadOnlySpan<int> qWeight, ReadOnlySpan<int> qScale, ReadOnlySpan<Half> qScaleMax,
        ReadOnlySpan<short> qGroups, ReadOnlySpan<short> qInvperm)
    {
        int k = inFeatures, n = outFeatures;
        if (k <= 0 || n <= 0)
            throw new ArgumentException($"shape [{n}, {k}] is empty");
        if (n % 8 != 0)
            throw new ArgumentException($"out_features {n} is not a multiple of 8; q_scale packs 8 columns per word", "q_scale");
        if (qGroups.Length == 0 || qGroups.Length % 2 != 0)
            throw new ArgumentException($"q_groups has {qGroups.Length} entries; expected (bits, start) pairs", "q_groups");
        int groups = qGroups.Length / 2;
        if (qScaleMax.Length != groups)
            throw new ArgumentException($"q_scale_max has {qScaleMax.Length} values, expected {groups} (one per group)", "q_scale_max");
        if (qScale.Length != (long)groups * (n / 8))
            throw new ArgumentException($"q_scale has {qScale.Length} values, expected [{groups}, {n / 8}]", "q_scale");
        if (qWeight.Length % n != 0)
            throw new ArgumentException($"q_weight has {qWeight.Length} values, not [rows, {n}]", "q_weight");
        int wordRows = qWeight.Length / n;
        if (qInvperm.Length != k)
            throw new ArgumentException($"q_invperm has {qInvperm.Length} entries, expected {k}", "q_invperm");

        var bits = new int[groups];
        var groupRows = new int[groups];
        var firstWord = new int[groups];
        int rows = 0;
        for (int g = 0; g < groups; g++)
        {
            int b = qGroups[2 * g], start = (ushort)qGroups[2 * g + 1];
            if (b is < 2 or > 8 or 7)
                throw new ArgumentException($"group {g} has {b} bits; exl2 uses 2, 3, 4, 5, 6 or 8", "q_groups");
            int end = g + 1 < groups ? (ushort)qGroups[2 * g + 3] : wordRows;
            if (end < start || end > wordRows)
                throw new ArgumentException($"group {g} spans word-rows [{start}, {end}) outside q_weight's {wordRows}", "q_groups");
            bits[g] = b;
            firstWord[g] = start;
            groupRows[g] = g + 1 < groups ? (end - start) * 32 / b : k - rows;
            if (groupRows[g] < 0 || (long)groupRows[g] * b > (long)(end - start) * 32)
                throw new ArgumentException($"group {g} ({b} bits) needs more rows than q_weight holds ({k} inputs in all)", "q_groups");
            rows += groupRows[g];
        }
        if (rows != k)
            throw new ArgumentException($"q_groups describe {rows} input rows, expected {k}", "q_groups");

        var order = new int[k];
        var seen = new bool[k];
        for (int i = 0; i < k; i++)
        {
            int stored = (ushort)qInvperm[i];
            if (stored >= k || seen[stored])
                throw new ArgumentException($"q_invperm[{i}] = {stored} is not part of a permutation of 0..{k - 1}", "q_invperm");
            seen[stored] = true;
            order[stored] = i;
        }

        var scales = new float[groups * n];
        var zeros = new float[groups * n];
        for (int g = 0; g < groups; g++)
        {
            float max = (float)(Half)((float)qScaleMax[g] / 256f);
            for (int c = 0; c < n; c++)
            {
                uint qs = ((uint)qScale[g * (n / 8) + c / 8] >> (4 * (c % 8))) & 0xF;
                scales[g * n + c] = (float)(Half)((qs + 1) * (qs + 1) * max);
                zeros[g * n + c] = 1 << (bits[g] - 1);
            }
        }

        // exllamav2 packs each group from its own first word-row; when those are where ours would be, take the words as they are.
        bool aligned = true;
        for (int g = 0, expectedStart = 0; g < groups; expectedStart += groupRows[g] * bits[g] / 32, g++)
            aligned &= groupRows[g] % 32 == 0 && firstWord[g] == expectedStart;
        if (aligned && SumWords(groupRows, bits) == wordRows)
            return GptqMatrix.CreateFromStreams(k, n, groupRows, bits, scales, zeros, order, qWeight);

        var groupOfRow = new int[k];
        var rowInGroup = new int[k];
        for (int g = 0, r0 = 0; g < groups; r0 += groupRows[g], g++)
            for (int r = 0; r < groupRows[g]; r++)
            {
                groupOfRow[r0 + r] = g;
                rowInGroup[r0 + r] = r;
            }

        fixed (int* qp = qWeight)
        fixed (int* gp = groupOfRow)
        fixed (int* rp = rowInGroup)
        fixed (int* fp = firstWord)
        fixed (int* bp = bits)
            return GptqMatrix.Create(k, n, groupRows, bits, scales, zeros, order, new Codes(qp, n, gp, rp, fp, bp));
    }

    private static long SumWords(int[] groupRows, int[] bits)
    {
        long words = 0;
        for (int g = 0; g < bits.Length; g++)
            words += (long)groupRows[g] * bits[g] / 32;
        return words;
    }

    private readonly struct Codes(int* qWeight, int columns, int* groupOfRow, int* rowInGroup, int* firstWord, int* bits) : IGptqCodes
    {
        public uint Code(int storedRow, int column)
        {
            int g = groupOfRow[storedRow];
            return GptqBitStream.Read(qWeight + (long)firstWord[g] * columns + column, columns, rowInGroup[storedRow], bits[g]);
        }
    }
}
