namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// EXL2 weights as exllamav2 stores them (Exl2Format on the CPU): q_weight int32 [word rows, Out], q_groups int16
/// [2G] (bits, first word row), q_scale int32 [G, Out/8] (4-bit codes), q_scale_max fp16 [G], q_invperm int16 [In]
/// (stored row q_invperm[i] holds input feature i). Group g spans (next start - start) word rows, i.e.
/// word rows * 32 / bits input rows; the last group takes the rows that are left. Uploaded as given, plus the
/// per-group tables and the forward permutation the kernel reads.
/// </summary>
public sealed class Exl2DeviceWeights : ICudaGemvWeights
{
    private Exl2DeviceWeights(int inFeatures, int outFeatures, int wordRows, double averageBits, DeviceBuffer<int> qWeight, DeviceBuffer<int> qScale,
        DeviceBuffer<Half> qScaleMax, DeviceBuffer<int> groupBits, DeviceBuffer<int> groupFirstWord, DeviceBuffer<int> groupFirstRow,
        DeviceBuffer<int> groupRows, DeviceBuffer<int> permutation)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        WordRows = wordRows;
        AverageBits = averageBits;
        QWeight = qWeight;
        QScale = qScale;
        QScaleMax = qScaleMax;
        GroupBits = groupBits;
        GroupFirstWord = groupFirstWord;
        GroupFirstRow = groupFirstRow;
        GroupRows = groupRows;
        Permutation = permutation;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int WordRows { get; }

    public double AverageBits { get; }

    public int Groups => checked((int)GroupBits.Count);

    public DeviceBuffer<int> QWeight { get; }

    public DeviceBuffer<int> QScale { get; }

    public DeviceBuffer<Half> QScaleMax { get; }

    public DeviceBuffer<int> GroupBits { get; }

    public DeviceBuffer<int> GroupFirstWord { get; }

    public DeviceBuffer<int> GroupFirstRow { get; }

    public DeviceBuffer<int> GroupRows { get; }

    /// <summary>Stored row -> input feature (the inverse of q_invperm).</summary>
    public DeviceBuffer<int> Permutation { get; }

    public string Format => $"exl2-{AverageBits:F2}bpw";

    public long WeightBytes => QWeight.Bytes + QScale.Bytes + QScaleMax.Bytes + Permutation.Bytes;

    public static Exl2DeviceWeights Upload(CudaDevice device, int outFeatures, int inFeatures,
        ReadOnlySpan<int> qWeight, ReadOnlySpan<int> qScale, ReadOnlySpan<Half> qScaleMax, ReadOnlySpan<short> qGroups, ReadOnlySpan<short> qInvperm)
    {
        const string format = "exl2";
        int k = inFeatures, n = outFeatures;
        ShapeChecks.Positive(format, k, n);
        ShapeChecks.Multiple(format, "out_features", n, 8, "q_scale packs 8 columns per word");
        if (qGroups.Length == 0 || qGroups.Length % 2 != 0)
            throw new ArgumentException($"{format}: q_groups has {qGroups.Length} entries; expected (bits, start) pairs");
        int groups = qGroups.Length / 2;
        ShapeChecks.Length(format, "q_scale_max", qScaleMax.Length, groups, "one per group");
        ShapeChecks.Length(format, "q_scale", qScale.Length, (long)groups * (n / 8), $"[{groups}, {n / 8}]");
        if (qWeight.Length % n != 0)
            throw new ArgumentException($"{format}: q_weight has {qWeight.Length} values, not [rows, {n}]");
        int wordRows = qWeight.Length / n;
        ShapeChecks.Length(format, "q_invperm", qInvperm.Length, k, "one per input feature");

        var bits = new int[groups];
        var firstWord = new int[groups];
        var firstRow = new int[groups];
        var rows = new int[groups];
        int total = 0;
        for (int g = 0; g < groups; g++)
        {
            int b = qGroups[2 * g], start = (ushort)qGroups[2 * g + 1];
            if (b is < 2 or > 8 or 7)
                throw new ArgumentException($"{format}: group {g} has {b} bits; exl2 uses 2, 3, 4, 5, 6 or 8");
            int end = g + 1 < groups ? (ushort)qGroups[2 * g + 3] : wordRows;
            if (end < start || end > wordRows)
                throw new ArgumentException($"{format}: group {g} spans word rows [{start}, {end}) outside q_weight's {wordRows}");
            bits[g] = b;
            firstWord[g] = start;
            firstRow[g] = total;
            rows[g] = g + 1 < groups ? (end - start) * 32 / b : k - total;
            if (rows[g] < 0 || (long)rows[g] * b > (long)(end - start) * 32)
                throw new ArgumentException($"{format}: group {g} ({b} bits) needs more rows than q_weight holds ({k} inputs in all)");
            total += rows[g];
        }

        if (total != k)
            throw new ArgumentException($"{format}: q_groups describe {total} input rows, expected {k}");

        var permutation = new int[k];
        var seen = new bool[k];
        for (int i = 0; i < k; i++)
        {
            int stored = (ushort)qInvperm[i];
            if (stored >= k || seen[stored])
                throw new ArgumentException($"{format}: q_invperm[{i}] = {stored} is not part of a permutation of 0..{k - 1}");
            seen[stored] = true;
            permutation[stored] = i;
        }

        double averageBits = 0;
        for (int g = 0; g < groups; g++)
            averageBits += (double)rows[g] * bits[g] / k;
        return new Exl2DeviceWeights(k, n, wordRows, averageBits, device.Upload(qWeight), device.Upload(qScale), device.Upload(qScaleMax),
            device.Upload<int>(bits), device.Upload<int>(firstWord), device.Upload<int>(firstRow), device.Upload<int>(rows), device.Upload<int>(permutation));
    }

    public void Dispose()
    {
        QWeight.Dispose();
        QScale.Dispose();
        QScaleMax.Dispose();
        GroupBits.Dispose();
        GroupFirstWord.Dispose();
        GroupFirstRow.Dispose();
        GroupRows.Dispose();
        Permutation.Dispose();
    }
}
