using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// FP8 weights with a scale per output row. Layout: <c>Codes</c> float8 e4m3fn [Rows, Cols] row-major
/// (one byte per weight, see <see cref="Fp8E4M3"/>); <c>Scales</c> fp32 [Rows]; W[r, c] ~= e4m3(Codes[r, c]) * Scales[r].
/// Quantization follows TGI's fp8_quantize per row: Codes = e4m3(W * 448 / absmax(row)) (RNE, saturating),
/// Scales = 1 / (448 / absmax(row)). A per-tensor checkpoint scale is the same value repeated on every row.
/// NaN codes (S.1111.111) are refused when the weights are built, so the kernels decode finite codes only.
/// </summary>
public sealed unsafe class Fp8RowWeights
{
    private readonly byte[] _codes;
    private readonly float[] _scales;

    /// <summary>Copies <paramref name="codes"/> and <paramref name="scales"/> (e.g. read from a checkpoint) onto the pinned heap.</summary>
    public Fp8RowWeights(ReadOnlySpan<byte> codes, ReadOnlySpan<float> scales, int rows, int cols)
        : this(PinnedArrays.Copy(codes), PinnedArrays.Copy(scales), rows, cols)
    {
    }

    private Fp8RowWeights(byte[] codes, float[] scales, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (codes.LongLength != (long)rows * cols)
        {
            throw new ArgumentException($"fp8 weights [{rows}, {cols}] need {(long)rows * cols} codes, got {codes.LongLength}", nameof(codes));
        }

        if (scales.Length != rows)
        {
            throw new ArgumentException($"fp8 weights [{rows}, {cols}] need {rows} row scales, got {scales.Length}", nameof(scales));
        }

        int nan = Array.FindIndex(codes, c => (c & 0x7F) == 0x7F);
        if (nan >= 0)
        {
            throw new ArgumentException(
                $"fp8 weight [{nan / Math.Max(cols, 1)}, {nan % Math.Max(cols, 1)}] is NaN (code 0x{codes[nan]:X2}); a weight matrix must be finite", nameof(codes));
        }

        Rows = rows;
        Cols = cols;
        _codes = codes;
        _scales = scales;
    }

    public int Rows { get; }

    public int Cols { get; }

    public ReadOnlySpan<byte> Codes => _codes;

    public ReadOnlySpan<float> Scales => _scales;

    /// <summary>Bytes a forward pass reads: the codes and the row scales.</summary>
    public long Bytes => _codes.LongLength + (_scales.LongLength * sizeof(float));

    internal byte* CodesPointer => PinnedArrays.Pointer(_codes);

    internal float* ScalesPointer => PinnedArrays.Pointer(_scales);

    /// <summary>Quantizes an fp32 matrix [rows, cols] (row-major) with one scale per row.</summary>
    public static Fp8RowWeights Quantize(ReadOnlySpan<float> weights, int rows, int cols)
    {
        if (weights.Length != (long)rows * cols)
        {
            throw new ArgumentException($"expected {rows}x{cols} weights, got {weights.Length}", nameof(weights));
        }

        var codes = PinnedArrays.Allocate<byte>(rows * cols);
        var scales = PinnedArrays.Allocate<float>(rows);
        fixed (float* source = weights)
        {
            KernelThreads.For(rows, new RowQuantizer
            {
                Weights = source, Cols = cols, Codes = PinnedArrays.Pointer(codes), Scales = PinnedArrays.Pointer(scales),
            });
        }

        return new Fp8RowWeights(codes, scales, rows, cols);
    }

    /// <summary>The weights as fp32 (tests and error measurement; the kernels never build this).</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)Rows * Cols];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Cols; c++)
            {
                result[(r * Cols) + c] = Fp8E4M3.ToSingle(_codes[(r * Cols) + c]) * _scales[r];
            }
        }

        return result;
    }

    // Rows are independent, so load-time quantization runs on the kernel threads.
    private struct RowQuantizer : IRangeBody
    {
        public float* Weights;
        public int Cols;
        public byte* Codes;
        public float* Scales;

        public readonly void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                var row = new ReadOnlySpan<float>(Weights + ((long)r * Cols), Cols);
                float absmax = 0f;
                foreach (float v in row)
                {
                    if (!float.IsFinite(v))
                    {
                        throw new ArgumentException($"cannot quantize a non-finite weight ({v}) in row {r} to fp8", "weights");
                    }

                    absmax = MathF.Max(absmax, MathF.Abs(v));
                }

                float inverse = absmax > 0 ? Fp8E4M3.MaxValue / absmax : 1f;
                byte* codes = Codes + ((long)r * Cols);
                for (int c = 0; c < Cols; c++)
                {
                    codes[c] = Fp8E4M3.FromSingle(row[c] * inverse);
                }

                Scales[r] = absmax > 0 ? 1f / inverse : 0f;
            }
        }
    }
}
