namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// AutoAWQ "GEMM" 4-bit weights as stored (AwqFormat on the CPU): qweight int32 [In, Out/8] with the nibble order
/// [0, 2, 4, 6, 1, 3, 5, 7], qzeros int32 [G, Out/8] packed the same way, scales fp16 [G, Out]; row k in group k / groupSize.
/// </summary>
public sealed class AwqDeviceWeights : ICudaGemvWeights
{
    private AwqDeviceWeights(int groupSize, int inFeatures, int outFeatures, DeviceBuffer<int> qweight, DeviceBuffer<int> qzeros, DeviceBuffer<Half> scales)
    {
        GroupSize = groupSize;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        QWeight = qweight;
        QZeros = qzeros;
        Scales = scales;
    }

    public int GroupSize { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public DeviceBuffer<int> QWeight { get; }

    public DeviceBuffer<int> QZeros { get; }

    public DeviceBuffer<Half> Scales { get; }

    public string Format => "awq-4bit";

    public long WeightBytes => QWeight.Bytes + QZeros.Bytes + Scales.Bytes;

    public static AwqDeviceWeights Upload(CudaDevice device, int groupSize, int outFeatures, int inFeatures,
        ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales)
    {
        ShapeChecks.Positive("awq", inFeatures, outFeatures);
        ShapeChecks.Multiple("awq", "out_features", outFeatures, 8, "8 columns per int32 word");
        int size = groupSize <= 0 ? inFeatures : groupSize;
        int groups = (inFeatures + size - 1) / size;
        ShapeChecks.Length("awq", "qweight", qweight.Length, (long)inFeatures * (outFeatures / 8), $"[{inFeatures}, {outFeatures / 8}]");
        ShapeChecks.Length("awq", "qzeros", qzeros.Length, (long)groups * (outFeatures / 8), $"[{groups}, {outFeatures / 8}] for group_size {groupSize}");
        ShapeChecks.Length("awq", "scales", scales.Length, (long)groups * outFeatures, $"[{groups}, {outFeatures}] for group_size {groupSize}");
        return new AwqDeviceWeights(size, inFeatures, outFeatures, device.Upload(qweight), device.Upload(qzeros), device.Upload(scales));
    }

    public void Dispose()
    {
        QWeight.Dispose();
        QZeros.Dispose();
        Scales.Dispose();
    }
}
