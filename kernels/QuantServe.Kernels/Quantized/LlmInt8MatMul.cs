using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// LLM.int8() (bitsandbytes 8-bit, Dettmers et al. 2022): y[m x n] = x[m x k] W^T with W =
/// <see cref="Int8RowWeights"/> (per-row absmax int8) decomposed by input column:
/// <list type="bullet">
/// <item>outlier columns: every column c where some row has |x[r, c]| &gt;= threshold (6.0); these are
/// multiplied in fp32 against the matching dequantized weight columns W[:, c] = codes[:, c] * scale;</item>
/// <item>all other columns: each activation row is quantized vector-wise, xq = RNE(x * 127 / absmax(row)),
/// with the outlier columns excluded (zeroed), and multiplied as int8 x int8 -&gt; int32 dot products.</item>
/// </list>
/// y[r, j] = scaleW[j] * (dot32(xq[r], codes[j]) * absmax(x[r]) / 127 + sum over outliers c of x[r, c] * codes[j, c]).
/// A threshold of 0 (or below) disables the outlier path, as in bitsandbytes. One deliberate difference:
/// bitsandbytes takes the row absmax over the elements below the threshold, which may include small values
/// of outlier columns that are then zeroed anyway; here the absmax is over the non-outlier columns only,
/// so the int8 scale is never coarser than bitsandbytes' (the same unless a row's largest sub-threshold value lies in an outlier column).
/// The int8 dots widen both operands to int16 and use vpmaddwd (Avx512BW / Avx2 MultiplyAddAdjacent), which
/// is exact: |product| &lt;= 127 * 127 and pairs sum to at most 32258 per lane before the int32 accumulate.
/// </summary>
public static unsafe class LlmInt8MatMul
{
    public const float DefaultThreshold = 6f;

    public static void Multiply(Int8RowWeights weights, ReadOnlySpan<float> x, Span<float> y, int m, float threshold = DefaultThreshold)
    {
        EetqMatMul.CheckShapes(weights, x.Length, y.Length, m);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Multiply(weights, px, py, m, threshold);
        }
    }

    public static void Multiply(Int8RowWeights weights, float* x, float* y, int m, float threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        int k = weights.Cols, n = weights.Rows;
        if (m == 0 || n == 0)
        {
            return;
        }

        short[] codes = ArrayPool<short>.Shared.Rent(checked(m * k));
        float[] rowScales = ArrayPool<float>.Shared.Rent(m);
        int[] outliers = ArrayPool<int>.Shared.Rent(Math.Max(k, 1));
        try
        {
            int outlierCount = FindOutlierColumns(x, m, k, threshold, outliers);
            fixed (short* pc = codes)
            fixed (float* ps = rowScales)
            fixed (int* po = outliers)
            {
                QuantizeRows(x, m, k, outliers.AsSpan(0, outlierCount), pc, ps);
                var kernel = new Int8Int8RowDot
                {
                    Weights = weights.CodesPointer,
                    WeightScales = weights.ScalesPointer,
                    Codes = pc,
                    X = x,
                    RowScales = ps,
                    Outliers = po,
                    OutlierCount = outlierCount,
                    K = k,
                };

                RowTileBody<Int8Int8RowDot>.Run(kernel, y, m, n);
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(codes);
            ArrayPool<float>.Shared.Return(rowScales);
            ArrayPool<int>.Shared.Return(outliers);
        }
    }

    /// <summary>Scalar twin: the same decomposition with plain loops (int32 dots, fp32 outlier sums in column order).</summary>
    public static void MultiplyReference(Int8RowWeights weights, ReadOnlySpan<float> x, Span<float> y, int m, float threshold = DefaultThreshold)
    {
        EetqMatMul.CheckShapes(weights, x.Length, y.Length, m);
        int k = weights.Cols, n = weights.Rows;
        var outlier = new bool[k];
        for (int c = 0; c < k; c++)
        {
            for (int r = 0; r < m; r++)
            {
                outlier[c] |= threshold > 0 && MathF.Abs(x[(r * k) + c]) >= threshold;
            }
        }

        var xq = new sbyte[k];
        for (int r = 0; r < m; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * k, k);
            float absmax = 0f;
            for (int c = 0; c < k; c++)
            {
                absmax = outlier[c] ? absmax : MathF.Max(absmax, MathF.Abs(row[c]));
            }

            float inverse = absmax > 0 ? 127f / absmax : 0f;
            for (int c = 0; c < k; c++)
            {
                xq[c] = outlier[c] ? (sbyte)0 : (sbyte)MathF.Round(row[c] * inverse, MidpointRounding.ToEven);
            }

            float rowScale = absmax / 127f;
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<sbyte> w = weights.Codes.Slice(j * k, k);
                int dot = 0;
                float extra = 0f;
                for (int c = 0; c < k; c++)
                {
                    dot += xq[c] * w[c];
                    if (outlier[c])
                    {
                        extra += row[c] * w[c];
                    }
                }

                y[(r * n) + j] = weights.Scales[j] * ((dot * rowScale) + extra);
            }
        }
    }

    /// <summary>Columns where any of the m rows reaches |x| &gt;= threshold, ascending; their count.</summary>
    private static int FindOutlierColumns(float* x, int m, int k, float threshold, int[] columns)
    {
        if (!(threshold > 0))
        {
            return 0;
        }

        int count = 0;
        for (int c = 0; c < k; c++)
        {
            for (int r = 0; r < m; r++)
            {
                if (MathF.Abs(x[((long)r * k) + c]) >= threshold)
                {
                    columns[count++] = c;
                    break;
                }
            }
        }

        return count;
    }

    // Vector-wise absmax quantization of each row without its outlier columns, widened to int16 for vpmaddwd.
    private static void QuantizeRows(float* x, int m, int k, ReadOnlySpan<int> outliers, short* codes, float* rowScales)
    {
        for (int r = 0; r < m; r++)
        {
            float* row = x + ((long)r * k);
            short* q = codes + ((long)r * k);
            float absmax = 0f;
            int next = 0;
            for (int c = 0; c < k; c++)
            {
                if (next < outliers.Length && outliers[next] == c)
                {
                    next++;
                    continue;
                }

                absmax = MathF.Max(absmax, MathF.Abs(row[c]));
            }

            float inverse = absmax > 0 ? 127f / absmax : 0f;
            for (int c = 0; c < k; c++)
            {
                q[c] = (short)MathF.Round(row[c] * inverse, MidpointRounding.ToEven);
            }

            foreach (int c in outliers)
            {
                q[c] = 0;
            }

            rowScales[r] = absmax / 127f;
        }
    }

    private struct Int8Int8RowDot : IRowDot
    {
        public sbyte* Weights;
        public float* WeightScales;
        public short* Codes;
        public float* X;
        public float* RowScales;
        public int* Outliers;
        public int OutlierCount;
        public int K;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dot<TRows>(int j, int firstRow, float* y, int ldy)
            where TRows : struct, IRowCount
        {
            int rows = TRows.Value;
            int k = K;
            int ldx = k;
            short* q = Codes + ((long)firstRow * k);
            short* q1 = q + ldx, q2 = q1 + ldx, q3 = q2 + ldx; // rows past TRows.Value are never read
            sbyte* w = Weights + ((long)j * k);
            int d0 = 0, d1 = 0, d2 = 0, d3 = 0;
            nint i = 0;
            if (Avx512BW.IsSupported)
            {
                Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i + 32 <= k; i += 32)
                {
                    StreamPrefetch.Ahead(w + i);
                    Vector512<short> wv = Avx512BW.ConvertToVector512Int16(Vector256.Load(w + i));
                    a0 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q + i), wv);
                    if (rows > 1)
                    {
                        a1 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q1 + i), wv);
                    }

                    if (rows > 2)
                    {
                        a2 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q2 + i), wv);
                    }

                    if (rows > 3)
                    {
                        a3 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(q3 + i), wv);
                    }
                }

                d0 = Vector512.Sum(a0);
                d1 = Vector512.Sum(a1);
                d2 = Vector512.Sum(a2);
                d3 = Vector512.Sum(a3);
            }
            else if (Avx2.IsSupported)
            {
                Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i + 16 <= k; i += 16)
                {
                    StreamPrefetch.Ahead(w + i);
                    Vector256<short> wv = Avx2.ConvertToVector256Int16(Vector128.Load(w + i));
                    a0 += Avx2.MultiplyAddAdjacent(Vector256.Load(q + i), wv);
                    if (rows > 1)
                    {
                        a1 += Avx2.MultiplyAddAdjacent(Vector256.Load(q1 + i), wv);
                    }

                    if (rows > 2)
                    {
                        a2 += Avx2.MultiplyAddAdjacent(Vector256.Load(q2 + i), wv);
                    }

                    if (rows > 3)
                    {
                        a3 += Avx2.MultiplyAddAdjacent(Vector256.Load(q3 + i), wv);
                    }
                }

                d0 = Vector256.Sum(a0);
                d1 = Vector256.Sum(a1);
                d2 = Vector256.Sum(a2);
                d3 = Vector256.Sum(a3);
            }

            for (; i < k; i++)
            {
                int wi = w[i];
                d0 += q[i] * wi;
                if (rows > 1)
                {
                    d1 += q1[i] * wi;
                }

                if (rows > 2)
                {
                    d2 += q2[i] * wi;
                }

                if (rows > 3)
                {
                    d3 += q3[i] * wi;
                }
            }

            int r0 = firstRow;
            float* x = X + ((long)r0 * k);
            float e0 = 0, e1 = 0, e2 = 0, e3 = 0;
            for (int o = 0; o < OutlierCount; o++)
            {
                int c = Outliers[o];
                float wc = w[c];
                e0 += x[c] * wc;
                if (rows > 1)
                {
                    e1 += x[k + c] * wc;
                }

                if (rows > 2)
                {
                    e2 += x[(2 * k) + c] * wc;
                }

                if (rows > 3)
                {
                    e3 += x[(3 * k) + c] * wc;
                }
            }

            float scale = WeightScales[j];
            y[0] = scale * ((d0 * RowScales[r0]) + e0);
            if (rows > 1)
            {
                y[ldy] = scale * ((d1 * RowScales[r0 + 1]) + e1);
            }

            if (rows > 2)
            {
                y[2 * ldy] = scale * ((d2 * RowScales[r0 + 2]) + e2);
            }

            if (rows > 3)
            {
                y[3 * ldy] = scale * ((d3 * RowScales[r0 + 3]) + e3);
            }
        }
    }
}
