namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>fp16 or bf16 weights [OutFeatures, InFeatures] row-major (the checkpoint's [out, in]), as raw 16-bit values.</summary>
public sealed class DenseDeviceWeights : ICudaGemvWeights
{
    private DenseDeviceWeights(DeviceBuffer<ushort> values, bool isBf16, int inFeatures, int outFeatures)
    {
        Values = values;
        IsBf16 = isBf16;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public DeviceBuffer<ushort> Values { get; }

    public bool IsBf16 { get; }

    public string Format => IsBf16 ? "bf16" : "fp16";

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public long WeightBytes => Values.Bytes;

    /// <summary>Uploads fp16 weights; InFeatures must be a multiple of 8 (16-byte loads).</summary>
    public static DenseDeviceWeights UploadF16(CudaDevice device, ReadOnlySpan<Half> weights, int outFeatures, int inFeatures) =>
        Upload(device, System.Runtime.InteropServices.MemoryMarshal.Cast<Half, ushort>(weights), false, outFeatures, inFeatures);

    /// <summary>Uploads bf16 weights given as their raw bits (the upper half of each fp32).</summary>
    public static DenseDeviceWeights UploadBf16(CudaDevice device, ReadOnlySpan<ushort> bf16Bits, int outFeatures, int inFeatures) =>
        Upload(device, bf16Bits, true, outFeatures, inFeatures);

    public void Dispose() => Values.Dispose();

    private static DenseDeviceWeights Upload(CudaDevice device, ReadOnlySpan<ushort> values, bool bf16, int outFeatures, int inFeatures)
    {
        string format = bf16 ? "bf16" : "fp16";
        ShapeChecks.Positive(format, inFeatures, outFeatures);
        ShapeChecks.Multiple(format, "in_features", inFeatures, 8, "the kernels load 8 weights at a time");
        ShapeChecks.Length(format, "weight", values.Length, (long)outFeatures * inFeatures, $"[{outFeatures}, {inFeatures}]");
        return new DenseDeviceWeights(device.Upload(values), bf16, inFeatures, outFeatures);
    }
}
