namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// Symmetric per-output-row int8 weights (EETQ W8A16; Int8RowWeights on the CPU): codes int8 [Out, In] row-major,
/// scales fp32 [Out], W[r, c] = codes[r, c] * scales[r].
/// </summary>
public sealed class Int8DeviceWeights : ICudaGemvWeights
{
    private Int8DeviceWeights(DeviceBuffer<sbyte> codes, DeviceBuffer<float> scales, int inFeatures, int outFeatures)
    {
        Codes = codes;
        Scales = scales;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public DeviceBuffer<sbyte> Codes { get; }

    public DeviceBuffer<float> Scales { get; }

    public string Format => "int8";

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public long WeightBytes => Codes.Bytes + Scales.Bytes;

    public static Int8DeviceWeights Upload(CudaDevice device, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, int outFeatures, int inFeatures)
    {
        ShapeChecks.Positive("int8", inFeatures, outFeatures);
        ShapeChecks.Multiple("int8", "in_features", inFeatures, 16, "the kernel loads 16 codes at a time");
        ShapeChecks.Length("int8", "codes", codes.Length, (long)outFeatures * inFeatures, $"[{outFeatures}, {inFeatures}]");
        ShapeChecks.Length("int8", "scales", scales.Length, outFeatures, "one per output row");
        return new Int8DeviceWeights(device.Upload(codes), device.Upload(scales), inFeatures, outFeatures);
    }

    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
    }
}
