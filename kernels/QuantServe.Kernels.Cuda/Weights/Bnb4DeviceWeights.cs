namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// bitsandbytes 4-bit weights (nf4 / fp4) exactly as bitsandbytes stores them (Bnb4BitWeights on the CPU):
/// packed uint8 [ceil(Out*In/2)] (the [Out, In] matrix flattened row-major, element e in byte e/2, HIGH nibble
/// when e is even), a 16-value codebook, and one absmax per BlockSize flattened elements, either plain fp32
/// or double-quantized (absmax[b] = nestedMap[codes[b]] * nestedAbsmax[b / nestedBlockSize] + offset), decoded
/// in the kernel so a GEMV reads the same bytes as on the CPU.
/// </summary>
public sealed class Bnb4DeviceWeights : ICudaGemvWeights
{
    private Bnb4DeviceWeights(string format, int inFeatures, int outFeatures, int blockSize, DeviceBuffer<byte> packed, DeviceBuffer<float> codebook,
        DeviceBuffer<float>? absmax, DeviceBuffer<byte>? absmaxCodes, DeviceBuffer<float>? nestedAbsmax, DeviceBuffer<float>? nestedMap,
        int nestedBlockSize, float offset)
    {
        Format = format;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        BlockSize = blockSize;
        Packed = packed;
        Codebook = codebook;
        Absmax = absmax;
        AbsmaxCodes = absmaxCodes;
        NestedAbsmax = nestedAbsmax;
        NestedMap = nestedMap;
        NestedBlockSize = nestedBlockSize;
        Offset = offset;
    }

    public string Format { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int BlockSize { get; }

    public DeviceBuffer<byte> Packed { get; }

    public DeviceBuffer<float> Codebook { get; }

    public DeviceBuffer<float>? Absmax { get; }

    public DeviceBuffer<byte>? AbsmaxCodes { get; }

    public DeviceBuffer<float>? NestedAbsmax { get; }

    public DeviceBuffer<float>? NestedMap { get; }

    public int NestedBlockSize { get; }

    public float Offset { get; }

    public long WeightBytes => Packed.Bytes + (Absmax?.Bytes ?? 0) + (AbsmaxCodes?.Bytes ?? 0) + (NestedAbsmax?.Bytes ?? 0);

    /// <summary>Plain absmax (fp32 per block).</summary>
    public static Bnb4DeviceWeights Upload(CudaDevice device, string format, ReadOnlySpan<byte> packed, ReadOnlySpan<float> codebook,
        ReadOnlySpan<float> absmax, int blockSize, int outFeatures, int inFeatures)
    {
        long blocks = Validate(format, packed, codebook, blockSize, outFeatures, inFeatures);
        ShapeChecks.Length(format, "absmax", absmax.Length, blocks, $"one per block of {blockSize}");
        return new Bnb4DeviceWeights(format, inFeatures, outFeatures, blockSize, device.Upload(packed), device.Upload(codebook),
            device.Upload(absmax), null, null, null, 1, 0f);
    }

    /// <summary>Double-quantized absmax (bitsandbytes compress_statistics, as TGI loads it).</summary>
    public static Bnb4DeviceWeights UploadDoubleQuantized(CudaDevice device, string format, ReadOnlySpan<byte> packed, ReadOnlySpan<float> codebook,
        ReadOnlySpan<byte> absmaxCodes, ReadOnlySpan<float> nestedAbsmax, ReadOnlySpan<float> nestedMap, int nestedBlockSize, float offset,
        int blockSize, int outFeatures, int inFeatures)
    {
        long blocks = Validate(format, packed, codebook, blockSize, outFeatures, inFeatures);
        if (nestedBlockSize <= 0)
            throw new ArgumentException($"{format}: nested block size {nestedBlockSize} must be positive");
        ShapeChecks.Length(format, "absmax codes", absmaxCodes.Length, blocks, $"one per block of {blockSize}");
        ShapeChecks.Length(format, "nested absmax", nestedAbsmax.Length, (blocks + nestedBlockSize - 1) / nestedBlockSize, $"one per {nestedBlockSize} blocks");
        ShapeChecks.Length(format, "nested map", nestedMap.Length, 256, "the 8-bit dynamic map");
        return new Bnb4DeviceWeights(format, inFeatures, outFeatures, blockSize, device.Upload(packed), device.Upload(codebook),
            null, device.Upload(absmaxCodes), device.Upload(nestedAbsmax), device.Upload(nestedMap), nestedBlockSize, offset);
    }

    public void Dispose()
    {
        Packed.Dispose();
        Codebook.Dispose();
        Absmax?.Dispose();
        AbsmaxCodes?.Dispose();
        NestedAbsmax?.Dispose();
        NestedMap?.Dispose();
    }

    private static long Validate(string format, ReadOnlySpan<byte> packed, ReadOnlySpan<float> codebook, int blockSize, int outFeatures, int inFeatures)
    {
        ShapeChecks.Positive(format, inFeatures, outFeatures);
        ShapeChecks.Multiple(format, "in_features", inFeatures, 32, "the kernel reads 32 weights (16 bytes) at a time");
        ShapeChecks.Multiple(format, "block size", blockSize, 32, "32 weights read together must share one absmax");
        ShapeChecks.Length(format, "codebook", codebook.Length, 16, "one value per 4-bit code");
        long elements = (long)outFeatures * inFeatures;
        ShapeChecks.Length(format, "packed", packed.Length, elements / 2, $"two weights per byte of [{outFeatures}, {inFeatures}]");
        return (elements + blockSize - 1) / blockSize;
    }
}
