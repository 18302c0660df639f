namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// float8 e4m3fn weights with a scale per output row (TGI fp8; Fp8RowWeights on the CPU): codes [Out, In] row-major,
/// scales fp32 [Out], W[r, c] = e4m3(codes[r, c]) * scales[r]. NaN codes (0x7F, 0xFF) are refused.
/// </summary>
public sealed class Fp8DeviceWeights : ICudaGemvWeights
{
    private Fp8DeviceWeights(DeviceBuffer<byte> codes, DeviceBuffer<float> scales, int inFeatures, int outFeatures)
    {
        Codes = codes;
        Scales = scales;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public DeviceBuffer<byte> Codes { get; }

    public DeviceBuffer<float> Scales { get; }

    public string Format => "fp8-e4m3";

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public long WeightBytes => Codes.Bytes + Scales.Bytes;

    public static Fp8DeviceWeights Upload(CudaDevice device, ReadOnlySpan<byte> codes, ReadOnlySpan<float> scales, int outFeatures, int inFeatures)
    {
        ShapeChecks.Positive("fp8", inFeatures, outFeatures);
        ShapeChecks.Multiple("fp8", "in_features", inFeatures, 16, "the kernel loads 16 codes at a time");
        ShapeChecks.Length("fp8", "codes", codes.Length, (long)outFeatures * inFeatures, $"[{outFeatures}, {inFeatures}]");
        ShapeChecks.Length("fp8", "scales", scales.Length, outFeatures, "one per output row");
        int nan = codes.IndexOfAny((byte)0x7F, (byte)0xFF);
        if (nan >= 0)
            throw new ArgumentException($"fp8: codes[{nan / inFeatures}, {nan % inFeatures}] is NaN (0x{codes[nan]:X2}); e4m3fn weights must be finite");
        return new Fp8DeviceWeights(device.Upload(codes), device.Upload(scales), inFeatures, outFeatures);
    }

    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
    }
}
