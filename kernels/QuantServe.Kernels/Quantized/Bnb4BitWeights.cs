using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// bitsandbytes 4-bit weights (nf4 / fp4), stored exactly as bitsandbytes and transformers store them, so a
/// pre-quantized checkpoint is used as is and a weight quantized here could be saved for bitsandbytes.
/// <code>
/// Packed       uint8 [ceil(Rows*Cols / 2)]  the [Rows, Cols] matrix flattened row-major; element e is in byte
///                                           e / 2, in the HIGH nibble when e is even, the LOW nibble when odd.
/// Codebook     fp32 [16]                    value of each 4-bit code (quant_map), times the block's absmax.
/// absmax, one per block of BlockSize (64) consecutive flattened elements, either
///   plain:     fp32 [blocks]
///   or double-quantized (compress_statistics, as TGI asks for):
///   AbsmaxCodes  uint8 [blocks]             code into NestedMap (the 8-bit dynamic map)
///   NestedAbsmax fp32 [ceil(blocks / NestedBlockSize)]   NestedBlockSize = 256
///   NestedMap    fp32 [256]
///   Offset       fp32                       absmax[b] = NestedMap[AbsmaxCodes[b]] * NestedAbsmax[b / 256] + Offset
/// W[e] = Codebook[code(e)] * absmax[e / BlockSize]
/// </code>
/// The matmul kernel decodes absmax per block from these bytes and the nibbles through a register-held,
/// absmax-scaled codebook, so the bytes read per forward are the ones <see cref="Bytes"/> counts.
/// </summary>
public sealed unsafe class Bnb4BitWeights
{
    public const int DefaultBlockSize = 64;
    public const int DefaultNestedBlockSize = 256;

    private readonly byte[] _packed;
    private readonly float[] _codebook;
    private readonly float[]? _absmax;
    private readonly byte[]? _absmaxCodes;
    private readonly float[]? _nestedAbsmax;
    private readonly float[]? _nestedMap;

    private Bnb4BitWeights(
        Bnb4BitType type, int rows, int cols, int blockSize, byte[] packed, float[] codebook,
        float[]? absmax, byte[]? absmaxCodes, float[]? nestedAbsmax, float[]? nestedMap, int nestedBlockSize, float offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 2);
        long elements = (long)rows * cols;
        long blocks = (elements + blockSize - 1) / blockSize;
        Require(packed.LongLength == (elements + 1) / 2, $"packed weights [{rows}, {cols}] need {(elements + 1) / 2} bytes, got {packed.LongLength}");
        Require(codebook.Length == 16, $"a 4-bit codebook has 16 values, got {codebook.Length}");
        if (absmaxCodes is null)
        {
            Require(absmax is not null && absmax.LongLength == blocks, $"{blocks} blocks of {blockSize} need {blocks} absmax values, got {absmax?.LongLength ?? 0}");
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(nestedBlockSize, 1);
            long nestedBlocks = (blocks + nestedBlockSize - 1) / nestedBlockSize;
            Require(absmaxCodes.LongLength == blocks, $"{blocks} blocks of {blockSize} need {blocks} absmax codes, got {absmaxCodes.LongLength}");
            Require(nestedAbsmax!.LongLength == nestedBlocks, $"{blocks} absmax codes in blocks of {nestedBlockSize} need {nestedBlocks} nested absmax values, got {nestedAbsmax.LongLength}");
            Require(nestedMap!.Length == 256, $"the nested 8-bit map has 256 values, got {nestedMap.Length}");
        }

        Type = type;
        Rows = rows;
        Cols = cols;
        BlockSize = blockSize;
        NestedBlockSize = nestedBlockSize;
        Offset = offset;
        _packed = packed;
        _codebook = codebook;
        _absmax = absmax;
        _absmaxCodes = absmaxCodes;
        _nestedAbsmax = nestedAbsmax;
        _nestedMap = nestedMap;
    }

    public Bnb4BitType Type { get; }

    public int Rows { get; }

    public int Cols { get; }

    public int BlockSize { get; }

    public int NestedBlockSize { get; }

    public float Offset { get; }

    public bool IsDoubleQuantized => _absmaxCodes is not null;

    public ReadOnlySpan<byte> Packed => _packed;

    public ReadOnlySpan<float> Codebook => _codebook;

    /// <summary>The plain fp32 absmax per block; empty when double-quantized.</summary>
    public ReadOnlySpan<float> Absmax => _absmax;

    public ReadOnlySpan<byte> AbsmaxCodes => _absmaxCodes;

    public ReadOnlySpan<float> NestedAbsmax => _nestedAbsmax;

    public ReadOnlySpan<float> NestedMap => _nestedMap;

    public int BlockCount => (int)((((long)Rows * Cols) + BlockSize - 1) / BlockSize);

    /// <summary>Bytes a forward pass reads: packed codes and the (double-quantized) absmax statistics.</summary>
    public long Bytes => _packed.LongLength + (_codebook.Length * sizeof(float)) + (IsDoubleQuantized
        ? _absmaxCodes!.LongLength + (_nestedAbsmax!.LongLength * sizeof(float)) + (_nestedMap!.Length * sizeof(float)) + sizeof(float)
        : _absmax!.LongLength * sizeof(float));

    internal byte* PackedPointer => PinnedArrays.Pointer(_packed);

    internal float* CodebookPointer => PinnedArrays.Pointer(_codebook);

    internal float* AbsmaxPointer => _absmax is null ? null : PinnedArrays.Pointer(_absmax);

    internal byte* AbsmaxCodesPointer => _absmaxCodes is null ? null : PinnedArrays.Pointer(_absmaxCodes);

    internal float* NestedAbsmaxPointer => _nestedAbsmax is null ? null : PinnedArrays.Pointer(_nestedAbsmax);

    internal float* NestedMapPointer => _nestedMap is null ? null : PinnedArrays.Pointer(_nestedMap);

    /// <summary>Pre-quantized weights with plain fp32 absmax (bnb_4bit_use_double_quant = false).</summary>
    public static Bnb4BitWeights FromPlainAbsmax(
        Bnb4BitType type, int rows, int cols, int blockSize,
        ReadOnlySpan<byte> packed, ReadOnlySpan<float> codebook, ReadOnlySpan<float> absmax) =>
        new(type, rows, cols, blockSize, PinnedArrays.Copy(packed), PinnedArrays.Copy(codebook),
            PinnedArrays.Copy(absmax), null, null, null, DefaultNestedBlockSize, 0f);

    /// <summary>Pre-quantized weights with double-quantized absmax (the checkpoint's absmax, nested_absmax, nested_quant_map, nested_offset).</summary>
    public static Bnb4BitWeights FromDoubleQuantized(
        Bnb4BitType type, int rows, int cols, int blockSize,
        ReadOnlySpan<byte> packed, ReadOnlySpan<float> codebook,
        ReadOnlySpan<byte> absmaxCodes, ReadOnlySpan<float> nestedAbsmax, ReadOnlySpan<float> nestedMap, int nestedBlockSize, float offset) =>
        new(type, rows, cols, blockSize, PinnedArrays.Copy(packed), PinnedArrays.Copy(codebook),
            null, PinnedArrays.Copy(absmaxCodes), PinnedArrays.Copy(nestedAbsmax), PinnedArrays.Copy(nestedMap), nestedBlockSize, offset);

    /// <summary>
    /// Quantizes an fp32 matrix [rows, cols] like bitsandbytes' quantize_4bit: absmax per block of
    /// <paramref name="blockSize"/>, codes = nearest codebook entry of x * (1 / absmax); with
    /// <paramref name="doubleQuantize"/> the absmax values minus their mean are quantized blockwise (256) with the dynamic map.
    /// </summary>
    public static Bnb4BitWeights Quantize(
        Bnb4BitType type, ReadOnlySpan<float> weights, int rows, int cols, bool doubleQuantize = true, int blockSize = DefaultBlockSize)
    {
        long elements = (long)rows * cols;
        if (weights.Length != elements)
        {
            throw new ArgumentException($"expected {rows}x{cols} weights, got {weights.Length}", nameof(weights));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 2);
        int blocks = (int)((elements + blockSize - 1) / blockSize);
        var packed = PinnedArrays.Allocate<byte>((int)((elements + 1) / 2));
        var absmax = PinnedArrays.Allocate<float>(blocks);
        packed.AsSpan().Clear();
        fixed (float* source = weights)
        {
            var body = new BlockQuantizer
            {
                Type = type,
                Weights = source,
                Elements = elements,
                BlockSize = blockSize,
                Packed = PinnedArrays.Pointer(packed),
                Absmax = PinnedArrays.Pointer(absmax),
            };

            // With an even block size every block owns whole bytes, so blocks can be quantized in parallel.
            if (blockSize % 2 == 0)
            {
                KernelThreads.For(blocks, body);
            }
            else
            {
                body.Run(0, blocks);
            }
        }

        float[] codebook = PinnedArrays.Copy(BitsandbytesCodebooks.For(type));
        if (!doubleQuantize)
        {
            return new Bnb4BitWeights(type, rows, cols, blockSize, packed, codebook, absmax, null, null, null, DefaultNestedBlockSize, 0f);
        }

        double sum = 0;
        foreach (float a in absmax)
        {
            sum += a;
        }

        float offset = blocks > 0 ? (float)(sum / blocks) : 0f;
        int nestedBlocks = (blocks + DefaultNestedBlockSize - 1) / DefaultNestedBlockSize;
        var absmaxCodes = PinnedArrays.Allocate<byte>(blocks);
        var nestedAbsmax = PinnedArrays.Allocate<float>(nestedBlocks);
        ReadOnlySpan<float> map = BitsandbytesCodebooks.Dynamic;
        for (int nb = 0; nb < nestedBlocks; nb++)
        {
            int start = nb * DefaultNestedBlockSize, end = Math.Min(blocks, start + DefaultNestedBlockSize);
            float max = 0f;
            for (int b = start; b < end; b++)
            {
                max = MathF.Max(max, MathF.Abs(absmax[b] - offset));
            }

            nestedAbsmax[nb] = max;
            float inverse = max > 0 ? 1f / max : 0f;
            for (int b = start; b < end; b++)
            {
                absmaxCodes[b] = BitsandbytesCodebooks.QuantizeToMap(map, (absmax[b] - offset) * inverse);
            }
        }

        return new Bnb4BitWeights(
            type, rows, cols, blockSize, packed, codebook, null, absmaxCodes, nestedAbsmax, PinnedArrays.Copy(map), DefaultNestedBlockSize, offset);
    }

    /// <summary>The absmax of block <paramref name="block"/> as the kernels decode it.</summary>
    public float BlockAbsmax(int block) => _absmaxCodes is null
        ? _absmax![block]
        : (_nestedMap![_absmaxCodes[block]] * _nestedAbsmax![block / NestedBlockSize]) + Offset;

    /// <summary>The 4-bit code of flattened element <paramref name="element"/>.</summary>
    public int CodeAt(long element)
    {
        byte b = _packed[element >> 1];
        return (element & 1) == 0 ? b >> 4 : b & 0xF;
    }

    /// <summary>The weights as fp32 (tests and error measurement; the kernels never build this).</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)Rows * Cols];
        for (long e = 0; e < result.LongLength; e++)
        {
            result[e] = _codebook[CodeAt(e)] * BlockAbsmax((int)(e / BlockSize));
        }

        return result;
    }

    private struct BlockQuantizer : IRangeBody
    {
        public Bnb4BitType Type;
        public float* Weights;
        public long Elements;
        public int BlockSize;
        public byte* Packed;
        public float* Absmax;

        public readonly void Run(int start, int end)
        {
            for (int b = start; b < end; b++)
            {
                long first = (long)b * BlockSize;
                int length = (int)Math.Min(BlockSize, Elements - first);
                float max = 0f;
                for (int i = 0; i < length; i++)
                {
                    float v = Weights[first + i];
                    if (!float.IsFinite(v))
                    {
                        throw new ArgumentException($"cannot quantize a non-finite weight ({v}) in block {b} to {Type}", "weights");
                    }

                    max = MathF.Max(max, MathF.Abs(v));
                }

                Absmax[b] = max;
                float inverse = max > 0 ? 1f / max : 0f;
                for (int i = 0; i < length; i++)
                {
                    long e = first + i;
                    byte code = BitsandbytesCodebooks.Quantize(Type, Weights[e] * inverse);
                    Packed[e >> 1] |= (e & 1) == 0 ? (byte)(code << 4) : code;
                }
            }
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
