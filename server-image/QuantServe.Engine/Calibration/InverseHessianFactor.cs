namespace QuantServe.Engine.Calibration;

/// <summary>
/// The upper Cholesky factor U of H^-1 (H^-1 = U^T U) that GPTQ reads its updates from, computed in
/// float64 without forming H^-1: with J the order-reversing permutation and J H J = M M^T (lower
/// Cholesky), H^-1 = (J M^-T J)(J M^-1 J), so U = J M^-1 J. One Cholesky and one triangular inverse
/// (K^3/3 + K^3/6 multiply-adds) instead of the reference's Cholesky, inverse and second Cholesky.
/// </summary>
public static class InverseHessianFactor
{
    private const int RowBlock = 128;

    /// <summary>Overwrites <paramref name="h"/> ([k x k], symmetric positive definite) with U (upper triangle; the lower is zeroed).</summary>
    public static void Compute(float[] h, int k)
    {
        if (h.Length != (long)k * k)
            throw new ArgumentException($"the Hessian has {h.Length} values, not [{k}, {k}]");
        // a holds M (strictly lower triangle, diagonal in m) and then X^T = (M^-1)^T in the upper triangle.
        var a = new double[(long)k * k];
        Parallel.For(0, k, i =>
        {
            for (int j = 0; j <= i; j++)
                a[(long)i * k + j] = h[(long)(k - 1 - i) * k + (k - 1 - j)];
        });
        var m = Cholesky(a, k);
        InvertLower(a, m, k);
        // U[p, q] = X[k-1-p, k-1-q] = X^T[k-1-q, k-1-p], X lower so U is upper.
        Parallel.For(0, k, p =>
        {
            long row = (long)p * k;
            for (int q = 0; q < p; q++)
                h[row + q] = 0;
            for (int q = p; q < k; q++)
                h[row + q] = (float)a[(long)(k - 1 - q) * k + (k - 1 - p)];
        });
    }

    // Rows handled together by one thread: each row of L (or M) read from memory serves them all.
    private const int RowChunk = 16;

    // Row-block left-looking Cholesky: rows of a block only depend on earlier blocks (done in parallel,
    // in chunks of rows that walk the earlier rows together) and on each other (a small sequential
    // triangle). Returns the diagonal; L's strictly lower part replaces a's lower triangle.
    private static double[] Cholesky(double[] a, int k)
    {
        var diagonal = new double[k];
        for (int i0 = 0; i0 < k; i0 += RowBlock)
        {
            int i1 = Math.Min(k, i0 + RowBlock);
            int chunks = (i1 - i0 + RowChunk - 1) / RowChunk;
            Parallel.For(0, chunks, chunk =>
            {
                int first = i0 + chunk * RowChunk, last = Math.Min(i1, first + RowChunk);
                for (int j = 0; j < i0; j++)
                {
                    var rowJ = a.AsSpan((int)((long)j * k), j);
                    for (int i = first; i < last; i++)
                    {
                        var rowI = a.AsSpan((int)((long)i * k), k);
                        rowI[j] = (rowI[j] - Dot(rowI[..j], rowJ)) / diagonal[j];
                    }
                }
            });
            for (int i = i0; i < i1; i++)
            {
                var rowI = a.AsSpan((int)((long)i * k), k);
                for (int j = i0; j < i; j++)
                    rowI[j] = (rowI[j] - Dot(rowI[..j], a.AsSpan((int)((long)j * k), j))) / diagonal[j];
                double d = rowI[i] - Dot(rowI[..i], rowI[..i]);
                if (!(d > 0))
                    throw new InvalidOperationException(
                        $"the damped Hessian is not positive definite (pivot {d:G3} at column {k - 1 - i}); raise --percdamp or use more calibration samples");
                diagonal[i] = Math.Sqrt(d);
            }
        }
        return diagonal;
    }

    // X = M^-1 (lower), stored transposed in a's upper triangle: X^T[c, i] = -dot(M[i, c..i-1], X^T[c, c..i-1]) / M[i, i].
    // Row c of X^T only depends on itself and M, so rows are independent; a chunk of rows walks M together.
    private static void InvertLower(double[] a, double[] m, int k)
    {
        int chunks = (k + RowChunk - 1) / RowChunk;
        Parallel.For(0, chunks, chunk =>
        {
            int first = chunk * RowChunk, last = Math.Min(k, first + RowChunk);
            for (int c = first; c < last; c++)
                a[(long)c * k + c] = 1 / m[c];
            for (int i = first + 1; i < k; i++)
            {
                for (int c = first; c < last && c < i; c++)
                {
                    var rowC = a.AsSpan((int)((long)c * k), k);
                    rowC[i] = -Dot(a.AsSpan((int)((long)i * k + c), i - c), rowC[c..i]) / m[i];
                }
            }
        });
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var vx = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(x);
        var vy = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(y);
        var sum = System.Numerics.Vector<double>.Zero;
        for (int i = 0; i < vx.Length; i++)
            sum += vx[i] * vy[i];
        double total = System.Numerics.Vector.Sum(sum);
        for (int i = vx.Length * System.Numerics.Vector<double>.Count; i < x.Length; i++)
            total += x[i] * y[i];
        return total;
    }
}
