namespace QuantServe.Kernels.Quantized;

/// <summary>
/// EETQ W8A16: y[m x n] = x[m x k] W^T with W = <see cref="Int8RowWeights"/> (int8 codes, fp32 row scales)
/// and fp32 activations. Each code is widened to fp32 in registers (vpmovsxbd + vcvtdq2ps), multiplied with
/// x in fp32 and the row scale is applied once to the finished dot product. Threaded over output features.
/// From <see cref="PrefillBody{TDot}.MinRows"/> activation rows on (prefill), blocks of weight rows are
/// dequantized into an L2-sized fp32 buffer and multiplied by the dense fp32 GEMM tile instead.
/// </summary>
public static unsafe class EetqMatMul
{
    public static void Multiply(Int8RowWeights weights, ReadOnlySpan<float> x, Span<float> y, int m)
    {
        CheckShapes(weights, x.Length, y.Length, m);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Multiply(weights, px, py, m);
        }
    }

    public static void Multiply(Int8RowWeights weights, float* x, float* y, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var kernel = new ScaledRowDot<Int8Codes> { Codes = (byte*)weights.CodesPointer, Scales = weights.ScalesPointer, X = x, K = weights.Cols };
        if (m >= PrefillBody<ScaledRowDot<Int8Codes>>.MinRows)
        {
            PrefillBody<ScaledRowDot<Int8Codes>>.Run(kernel, x, y, m, weights.Rows, weights.Cols);
        }
        else
        {
            RowTileBody<ScaledRowDot<Int8Codes>>.Run(kernel, y, m, weights.Rows);
        }
    }

    /// <summary>Scalar twin of <see cref="Multiply(Int8RowWeights, ReadOnlySpan{float}, Span{float}, int)"/>: fp32 sums in k order.</summary>
    public static void MultiplyReference(Int8RowWeights weights, ReadOnlySpan<float> x, Span<float> y, int m)
    {
        CheckShapes(weights, x.Length, y.Length, m);
        int n = weights.Rows, k = weights.Cols;
        ReadOnlySpan<sbyte> codes = weights.Codes;
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int i = 0; i < k; i++)
                {
                    sum += x[(r * k) + i] * codes[(j * k) + i];
                }

                y[(r * n) + j] = sum * weights.Scales[j];
            }
        }
    }

    internal static void CheckShapes(Int8RowWeights weights, int xLength, int yLength, int m)
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
