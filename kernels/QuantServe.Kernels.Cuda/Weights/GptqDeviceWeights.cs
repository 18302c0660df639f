namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// GPTQ weights as the checkpoint stores them (GptqFormat on the CPU), 4 or 8 bits: qweight int32 [In*b/32, Out],
/// qzeros int32 [G, Out*b/32], scales fp16 [G, Out], g_idx int32 [In] for act-order (else row k is in group
/// k / groupSize). <see cref="ZeroOffset"/> is 1 for v1 checkpoints (stored zero - 1, added back without
/// wrapping, as the exllama kernels do) and 0 for gptq_v2.
/// </summary>
public sealed class GptqDeviceWeights : ICudaGemvWeights
{
    private GptqDeviceWeights(int bits, int groupSize, int zeroOffset, int inFeatures, int outFeatures,
        DeviceBuffer<int> qweight, DeviceBuffer<int> qzeros, DeviceBuffer<Half> scales, DeviceBuffer<int>? groupIndex)
    {
        Bits = bits;
        GroupSize = groupSize;
        ZeroOffset = zeroOffset;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        QWeight = qweight;
        QZeros = qzeros;
        Scales = scales;
        GroupIndex = groupIndex;
    }

    public int Bits { get; }

    /// <summary>Rows per group when there is no g_idx (the whole input when the checkpoint says -1).</summary>
    public int GroupSize { get; }

    public int ZeroOffset { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public DeviceBuffer<int> QWeight { get; }

    public DeviceBuffer<int> QZeros { get; }

    public DeviceBuffer<Half> Scales { get; }

    public DeviceBuffer<int>? GroupIndex { get; }

    public string Format => $"gptq-{Bits}bit{(GroupIndex is null ? "" : "-act-order")}";

    public long WeightBytes => QWeight.Bytes + QZeros.Bytes + Scales.Bytes + (GroupIndex?.Bytes ?? 0);

    public static GptqDeviceWeights Upload(CudaDevice device, int bits, int groupSize, bool zeroMinusOne, int outFeatures, int inFeatures,
        ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales, ReadOnlySpan<int> groupIndex)
    {
        string format = $"gptq {bits}-bit";
        if (bits != 4 && bits != 8)
            throw new ArgumentException($"{format}: only 4 and 8 bits have a CUDA kernel (2- and 3-bit run on the CPU)", nameof(bits));
        ShapeChecks.Positive(format, inFeatures, outFeatures);
        int perWord = 32 / bits;
        ShapeChecks.Multiple(format, "in_features", inFeatures, perWord, $"{perWord} rows per int32 word");
        ShapeChecks.Multiple(format, "out_features", outFeatures, Math.Max(4, perWord), "each thread reads 4 columns; zeros pack whole words");
        ShapeChecks.Length(format, "qweight", qweight.Length, (long)inFeatures / perWord * outFeatures, $"[{inFeatures / perWord}, {outFeatures}]");
        if (scales.Length == 0 || scales.Length % outFeatures != 0)
            throw new ArgumentException($"{format}: scales has {scales.Length} values, not [groups, {outFeatures}]");
        int groups = scales.Length / outFeatures;
        ShapeChecks.Length(format, "qzeros", qzeros.Length, (long)groups * (outFeatures / perWord), $"[{groups}, {outFeatures / perWord}]");
        int size = groupSize <= 0 ? inFeatures : groupSize;
        if (groupIndex.IsEmpty)
        {
            ShapeChecks.Multiple(format, "group_size", size, perWord, "a word's rows must share a group");
            if ((inFeatures + size - 1) / size != groups)
                throw new ArgumentException($"{format}: group_size {groupSize} gives {(inFeatures + size - 1) / size} groups for {inFeatures} inputs but scales has {groups}");
        }
        else
        {
            ShapeChecks.Length(format, "g_idx", groupIndex.Length, inFeatures, "one group per input row");
            for (int i = 0; i < groupIndex.Length; i++)
            {
                if ((uint)groupIndex[i] >= (uint)groups)
                    throw new ArgumentException($"{format}: g_idx[{i}] = {groupIndex[i]} is outside [0, {groups}) (scales has {groups} groups)");
            }
        }

        return new GptqDeviceWeights(bits, size, zeroMinusOne ? 1 : 0, inFeatures, outFeatures,
            device.Upload(qweight), device.Upload(qzeros), device.Upload(scales), groupIndex.IsEmpty ? null : device.Upload(groupIndex));
    }

    public void Dispose()
    {
        QWeight.Dispose();
        QZeros.Dispose();
        Scales.Dispose();
        GroupIndex?.Dispose();
    }
}
