using System.Buffers;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// y[m x n] = x[m x k] W^T with W = <see cref="Fp8RowWeights"/> and fp32 activations: e4m3 codes are decoded
/// in registers (never a full fp32 W), by byte tables (<see cref="Fp8Bf16RowDot"/>, AVX-512 VBMI) or by bit
/// arithmetic (<see cref="Fp8Codes"/>); the row scale applies to the finished dot product.
/// From <see cref="PrefillBody{TDot}.MinRows"/> activation rows on (prefill), blocks of weight rows are
/// dequantized into an L2-sized fp32 buffer and multiplied by the dense fp32 GEMM tile instead.
/// </summary>
public static unsafe class Fp8MatMul
{
    public static void Multiply(Fp8RowWeights weights, ReadOnlySpan<float> x, Span<float> y, int m)
    {
        CheckShapes(weights, x.Length, y.Length, m);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Multiply(weights, px, py, m);
        }
    }

    public static void Multiply(Fp8RowWeights weights, float* x, float* y, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var kernel = new ScaledRowDot<Fp8Codes> { Codes = weights.CodesPointer, Scales = weights.ScalesPointer, X = x, K = weights.Cols };
        if (m >= PrefillBody<ScaledRowDot<Fp8Codes>>.MinRows)
        {
            PrefillBody<ScaledRowDot<Fp8Codes>>.Run(kernel, x, y, m, weights.Rows, weights.Cols);
        }
        else if (Fp8Bf16RowDot.IsSupported(weights.Cols) && m > 0)
        {
            int k = weights.Cols;
            float[] rented = ArrayPool<float>.Shared.Rent(m * k);
            try
            {
                fixed (float* reordered = rented)
                {
                    for (int r = 0; r < m; r++)
                    {
                        Fp8Bf16RowDot.ReorderActivations(x + ((long)r * k), reordered + ((long)r * k), k);
                    }

                    var table = new Fp8Bf16RowDot { Codes = weights.CodesPointer, Scales = weights.ScalesPointer, X = reordered, K = k };
                    RowTileBody<Fp8Bf16RowDot>.Run(table, y, m, weights.Rows);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
        else
        {
            RowTileBody<ScaledRowDot<Fp8Codes>>.Run(kernel, y, m, weights.Rows);
        }
    }

    /// <summary>Scalar twin: table decode, fp32 sums in k order.</summary>
    public static void MultiplyReference(Fp8RowWeights weights, ReadOnlySpan<float> x, Span<float> y, int m)
    {
        CheckShapes(weights, x.Length, y.Length, m);
        int n = weights.Rows, k = weights.Cols;
        ReadOnlySpan<byte> codes = weights.Codes;
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int i = 0; i < k; i++)
                {
                    sum += x[(r * k) + i] * Fp8E4M3.ToSingle(codes[(j * k) + i]);
                }

                y[(r * n) + j] = sum * weights.Scales[j];
            }
        }
    }

    private static void CheckShapes(Fp8RowWeights weights, int xLength, int yLength, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (xLength < (long)m * weights.Cols)
        {
            throw new ArgumentException($"x has {xLength} values; {m} rows of {weights.Cols} inputs are needed", "x");
        }

        if (yLength < (long)m * weights.Rows)
        {
            throw new ArgumentException($"y has {yLength} values; {m} rows of {weights.Rows} outputs are needed", "y");
        }
    }
}
