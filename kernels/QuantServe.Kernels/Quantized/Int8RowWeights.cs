using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Symmetric per-output-channel int8 weights, shared by EETQ (W8A16) and LLM.int8() (W8A8 + outliers).
/// Layout: <c>Codes</c> int8 [Rows, Cols] row-major (row = output channel, as the fp weight [out, in]);
/// <c>Scales</c> fp32 [Rows] with W[r, c] ~= Codes[r, c] * Scales[r], Scales[r] = absmax(W[r, :]) / 127 and
/// Codes = round-to-nearest-even(W / Scales) in [-127, 127] (bitsandbytes' SCB / 127; EETQ's per-channel scale).
/// An all-zero row has scale 0 and codes 0. Arrays live on the pinned heap so the kernels can keep raw pointers.
/// </summary>
public sealed unsafe class Int8RowWeights
{
    private readonly sbyte[] _codes;
    private readonly float[] _scales;

    /// <summary>Copies <paramref name="codes"/> and <paramref name="scales"/> (e.g. read from a checkpoint) onto the pinned heap.</summary>
    public Int8RowWeights(ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, int rows, int cols)
        : this(PinnedArrays.Copy(codes), PinnedArrays.Copy(scales), rows, cols)
    {
    }

    private Int8RowWeights(sbyte[] codes, float[] scales, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (codes.LongLength != (long)rows * cols)
        {
            throw new ArgumentException($"int8 weights [{rows}, {cols}] need {(long)rows * cols} codes, got {codes.LongLength}", nameof(codes));
        }

        if (scales.Length != rows)
        {
            throw new ArgumentException($"int8 weights [{rows}, {cols}] need {rows} row scales, got {scales.Length}", nameof(scales));
        }

        Rows = rows;
        Cols = cols;
        _codes = codes;
        _scales = scales;
    }

    public int Rows { get; }

    public int Cols { get; }

    public ReadOnlySpan<sbyte> Codes => _codes;

    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>Bytes a forward pass reads: the codes and the row scales.</summary>
    public long Bytes => _codes.LongLength + (_scales.LongLength * sizeof(float));

    internal sbyte* CodesPointer => PinnedArrays.Pointer(_codes);

    internal float* ScalesPointer => PinnedArrays.Pointer(_scales);

    /// <summary>Quantizes an fp32 matrix [rows, cols] (row-major).</summary>
    public static Int8RowWeights Quantize(ReadOnlySpan<float> weights, int rows, int cols)
    {
        if (weights.Length != (long)rows * cols)
        {
            throw new ArgumentException($"expected {rows}x{cols} weights, got {weights.Length}", nameof(weights));
        }

        var codes = PinnedArrays.Allocate<sbyte>(rows * cols);
        var scales = PinnedArrays.Allocate<float>(rows);
        fixed (float* source = weights)
        {
            KernelThreads.For(rows, new RowQuantizer
            {
                Weights = source, Cols = cols, Codes = PinnedArrays.Pointer(codes), Scales = PinnedArrays.Pointer(scales),
            });
        }

        return new Int8RowWeights(codes, scales, rows, cols);
    }

    /// <summary>Quantizes one row symmetrically to int8 and returns its scale (absmax / 127).</summary>
    public static float QuantizeRow(ReadOnlySpan<float> row, Span<sbyte> codes)
    {
        float absmax = 0f;
        foreach (float v in row)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"cannot quantize a non-finite weight ({v}) to int8", nameof(row));
            }

            absmax = MathF.Max(absmax, MathF.Abs(v));
        }

        float inverse = absmax > 0 ? 127f / absmax : 0f;
        for (int c = 0; c < row.Length; c++)
        {
            codes[c] = (sbyte)Math.Clamp(MathF.Round(row[c] * inverse, MidpointRounding.ToEven), -127f, 127f);
        }

        return absmax / 127f;
    }

    /// <summary>The weights as fp32 (tests and error measurement; the kernels never build this).</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)Rows * Cols];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Cols; c++)
            {
                result[(r * Cols) + c] = _codes[(r * Cols) + c] * _scales[r];
            }
        }

        return result;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> row)
    {
        for (int i = 0; i < row.Length; i++)
        {
            if (!float.IsFinite(row[i]))
            {
                return i;
            }
        }

        return -1;
    }

    // Rows are independent, so load-time quantization runs on the kernel threads.
    private struct RowQuantizer : IRangeBody
    {
        public float* Weights;
        public int Cols;
        public sbyte* Codes;
        public float* Scales;

        public readonly void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                long offset = (long)r * Cols;
                var row = new ReadOnlySpan<float>(Weights + offset, Cols);
                int bad = IndexOfNonFinite(row);
                if (bad >= 0)
                {
                    throw new ArgumentException($"cannot quantize a non-finite weight ({row[bad]}) in row {r} to int8", "weights");
                }

                Scales[r] = QuantizeRow(row, new Span<sbyte>(Codes + offset, Cols));
            }
        }
    }
}
