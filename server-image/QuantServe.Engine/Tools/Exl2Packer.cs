namespace QuantServe.Engine.Tools;

/// <summary>
/// Packs codes into exllamav2's EXL2 tensors as the engine's loader reads them (K = in_features,
/// N = out_features): input feature i is stored at row <c>q_invperm[i]</c>; stored rows form groups of
/// <c>groupRows</c> rows, group g with <c>groupBits[g]</c> bits (2..8, not 7) and its own word-rows in
/// <c>q_weight</c> int32 [sum of word-rows, N], each column a little-endian bit stream from the group's first
/// word-row (row r of the group at bit r*bits, 3- and 5-bit codes crossing words); <c>q_groups</c> int16 [2G]
/// holds (bits, first word-row); <c>q_scale</c> int32 [G, N/8] the 4-bit scale codes qs, column c at bits
/// 4(c%8) of word c/8; <c>q_scale_max</c> fp16 [G]. The weight is symmetric:
/// W[n, i] = fp16((qs + 1)^2 * fp16(q_scale_max / 256)) * (q - 2^(bits-1)).
/// </summary>
public static class Exl2Packer
{
    /// <summary>Word-rows of q_weight for these groups.</summary>
    public static int WordRows(IReadOnlyList<int> groupBits, int groupRows) => groupBits.Sum(b => groupRows * b / 32);

    /// <param name="codes">[N x K] codes by input feature (row-major like the dense weight), each below 2^bits of its group.</param>
    /// <param name="invperm">[K]: the stored row of each input feature, a permutation.</param>
    /// <param name="scaleCodes">[G x N] 4-bit scale codes.</param>
    public static (int[] QWeight, int[] QScale, short[] QGroups) Pack(
        int outFeatures, int inFeatures, byte[] codes, IReadOnlyList<int> groupBits, int groupRows, short[] invperm, byte[] scaleCodes)
    {
        int n = outFeatures, k = inFeatures, groups = groupBits.Count;
        if (n % 8 != 0)
            throw new ArgumentException($"q_scale packs 8 columns per word; out_features {n} is not a multiple of 8", nameof(outFeatures));
        if (groupRows % 32 != 0 || (long)groups * groupRows != k)
            throw new ArgumentException($"{groups} groups of {groupRows} rows (a multiple of 32) must cover the {k} inputs", nameof(groupRows));
        if (codes.Length != (long)n * k || invperm.Length != k || scaleCodes.Length != groups * n)
            throw new ArgumentException($"codes [{n}, {k}], invperm [{k}] and scale codes [{groups}, {n}] have inconsistent lengths");
        var inputOfRow = new int[k];
        var seen = new bool[k];
        for (int i = 0; i < k; i++)
        {
            int stored = (ushort)invperm[i];
            if (stored >= k || seen[stored])
                throw new ArgumentException($"invperm[{i}] = {stored} is not part of a permutation of 0..{k - 1}", nameof(invperm));
            seen[stored] = true;
            inputOfRow[stored] = i;
        }
        var firstWord = new int[groups];
        var qGroups = new short[2 * groups];
        for (int g = 0, word = 0; g < groups; word += groupRows * groupBits[g] / 32, g++)
        {
            if (groupBits[g] is < 2 or > 8 or 7)
                throw new ArgumentException($"group {g} has {groupBits[g]} bits; exl2 uses 2, 3, 4, 5, 6 or 8", nameof(groupBits));
            firstWord[g] = word;
            qGroups[2 * g] = (short)groupBits[g];
            qGroups[2 * g + 1] = (short)word;
        }

        var qWeight = new int[(long)WordRows(groupBits, groupRows) * n];
        Parallel.For(0, n, col =>
        {
            for (int g = 0; g < groups; g++)
            {
                int bits = groupBits[g];
                long first = (long)firstWord[g] * n + col;
                for (int r = 0; r < groupRows; r++)
                {
                    uint code = codes[(long)col * k + inputOfRow[g * groupRows + r]];
                    if (code >> bits != 0)
                        throw new ArgumentException($"code {code} of column {col}, stored row {g * groupRows + r} does not fit group {g}'s {bits} bits", nameof(codes));
                    long bit = (long)r * bits;
                    int shift = (int)(bit & 31);
                    ulong pair = (ulong)code << shift;
                    qWeight[first + (bit >> 5) * n] |= (int)(uint)pair;
                    if (shift + bits > 32)
                        qWeight[first + ((bit >> 5) + 1) * n] |= (int)(uint)(pair >> 32);
                }
            }
        });

        var qScale = new int[groups * (n / 8)];
        for (int g = 0; g < groups; g++)
            for (int col = 0; col < n; col++)
            {
                int qs = scaleCodes[g * n + col];
                if (qs > 15)
                    throw new ArgumentException($"scale code {qs} of group {g}, column {col} is not 4-bit", nameof(scaleCodes));
                qScale[g * (n / 8) + col / 8] |= qs << (4 * (col % 8));
            }
        return (qWeight, qScale, qGroups);
    }
}
