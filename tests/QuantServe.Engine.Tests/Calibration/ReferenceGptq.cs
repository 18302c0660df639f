namespace QuantServe.Engine.Tests.Calibration;

/// <summary>
/// GPTQ written the plain way in float64, for tests: H^-1 by Gauss-Jordan, its upper Cholesky factor,
/// then one column at a time with the whole row updated at once (no lazy batches), groups fitted when
/// their first column comes up. Grids as <see cref="Engine.Calibration.QuantizationGrid"/> (fp16 scales).
/// </summary>
internal static class ReferenceGptq
{
    public sealed record Result(int[,] Codes, double[,] Scales, int[,] Zeros, int[] GroupIndex);

    public static Result Quantize(float[] weight, int n, int k, double[,] hessian, int bits, int groupSize, bool sym, bool actOrder, double percDamp)
    {
        var w = new double[n, k];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < k; c++)
                w[r, c] = weight[r * k + c];
        var h = (double[,])hessian.Clone();
        int groups = groupSize <= 0 ? 1 : k / groupSize;
        var scales = new double[groups, n];
        var zeros = new int[groups, n];
        if (groupSize <= 0)
            for (int r = 0; r < n; r++)
                Fit(Row(w, r, 0, k), bits, sym, out scales[0, r], out zeros[0, r]);
        for (int c = 0; c < k; c++)
            if (h[c, c] == 0)
            {
                h[c, c] = 1;
                for (int r = 0; r < n; r++)
                    w[r, c] = 0;
            }
        var perm = Enumerable.Range(0, k).ToArray();
        if (actOrder)
            perm = perm.OrderByDescending(c => h[c, c]).ThenBy(c => c).ToArray();
        var wp = new double[n, k];
        var hp = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            for (int r = 0; r < n; r++)
                wp[r, i] = w[r, perm[i]];
            for (int j = 0; j < k; j++)
                hp[i, j] = h[perm[i], perm[j]];
        }
        double mean = Enumerable.Range(0, k).Average(i => hp[i, i]);
        for (int i = 0; i < k; i++)
            hp[i, i] += percDamp * mean;
        var u = UpperCholesky(Invert(hp), k);

        var codes = new int[n, k];
        int maxq = (1 << bits) - 1;
        for (int i = 0; i < k; i++)
        {
            if (groupSize > 0 && i % groupSize == 0)
                for (int r = 0; r < n; r++)
                    Fit(Row(wp, r, i, i + groupSize), bits, sym, out scales[i / groupSize, r], out zeros[i / groupSize, r]);
            int g = groupSize > 0 ? i / groupSize : 0;
            for (int r = 0; r < n; r++)
            {
                double value = wp[r, i];
                int q = Math.Clamp((int)Math.Round(value / scales[g, r], MidpointRounding.ToEven) + zeros[g, r], 0, maxq);
                codes[r, perm[i]] = q;
                double e = (value - scales[g, r] * (q - zeros[g, r])) / u[i, i];
                for (int j = i + 1; j < k; j++)
                    wp[r, j] -= e * u[i, j];
            }
        }
        var groupIndex = new int[k];
        for (int i = 0; i < k; i++)
            groupIndex[perm[i]] = groupSize > 0 ? i / groupSize : 0;
        return new Result(codes, scales, zeros, groupIndex);
    }

    private static double[] Row(double[,] w, int r, int start, int end) => Enumerable.Range(start, end - start).Select(c => w[r, c]).ToArray();

    private static void Fit(double[] values, int bits, bool sym, out double scale, out int zero)
    {
        int maxq = (1 << bits) - 1;
        double min = Math.Min(0, values.Min()), max = Math.Max(0, values.Max());
        if (sym)
        {
            max = Math.Max(-min, max);
            if (min < 0)
                min = -max;
        }
        if (min == 0 && max == 0)
        {
            min = -1;
            max = 1;
        }
        scale = (double)(Half)((max - min) / maxq);
        zero = sym ? (maxq + 1) / 2 : Math.Clamp((int)Math.Round(-min / scale, MidpointRounding.ToEven), 1, maxq);
    }

    public static double[,] Invert(double[,] a)
    {
        int k = a.GetLength(0);
        var m = new double[k, 2 * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
                m[i, j] = a[i, j];
            m[i, k + i] = 1;
        }
        for (int col = 0; col < k; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < k; i++)
                if (Math.Abs(m[i, col]) > Math.Abs(m[pivot, col]))
                    pivot = i;
            for (int j = 0; j < 2 * k; j++)
                (m[col, j], m[pivot, j]) = (m[pivot, j], m[col, j]);
            double d = m[col, col];
            for (int j = 0; j < 2 * k; j++)
                m[col, j] /= d;
            for (int i = 0; i < k; i++)
            {
                if (i == col || m[i, col] == 0)
                    continue;
                double f = m[i, col];
                for (int j = 0; j < 2 * k; j++)
                    m[i, j] -= f * m[col, j];
            }
        }
        var inverse = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                inverse[i, j] = m[i, k + j];
        return inverse;
    }

    /// <summary>U upper with U^T U = a.</summary>
    public static double[,] UpperCholesky(double[,] a, int k)
    {
        var u = new double[k, k];
        for (int i = 0; i < k; i++)
        {
            double d = a[i, i];
            for (int p = 0; p < i; p++)
                d -= u[p, i] * u[p, i];
            u[i, i] = Math.Sqrt(d);
            for (int j = i + 1; j < k; j++)
            {
                double s = a[i, j];
                for (int p = 0; p < i; p++)
                    s -= u[p, i] * u[p, j];
                u[i, j] = s / u[i, i];
            }
        }
        return u;
    }
}
