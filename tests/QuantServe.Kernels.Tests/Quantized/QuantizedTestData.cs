namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>Seeded inputs and float64 references shared by the quantized-kernel tests.</summary>
internal static class QuantizedTestData
{
    /// <summary>Standard normal values (Box-Muller), the distribution LLM weights roughly follow.</summary>
    public static float[] Normal(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = scale * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        return values;
    }

    public static float[] Uniform(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * (float)random.NextDouble());
        }

        return values;
    }

    /// <summary>sum((w - q)^2) / sum(w^2).</summary>
    public static double NormalizedMse(ReadOnlySpan<float> original, ReadOnlySpan<float> dequantized)
    {
        double error = 0, energy = 0;
        for (int i = 0; i < original.Length; i++)
        {
            double d = (double)original[i] - dequantized[i];
            error += d * d;
            energy += (double)original[i] * original[i];
        }

        return error / energy;
    }

    /// <summary>y = x W^T in float64, and for each output sum |x| |w| (the scale float32 rounding errors grow with).</summary>
    public static (double[] Product, double[] Magnitude) Float64Product(float[] x, float[] w, int m, int n, int k)
    {
        var product = new double[m * n];
        var magnitude = new double[m * n];
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int i = 0; i < k; i++)
                {
                    double term = (double)x[(r * k) + i] * w[(j * k) + i];
                    sum += term;
                    abs += Math.Abs(term);
                }

                product[(r * n) + j] = sum;
                magnitude[(r * n) + j] = abs;
            }
        }

        return (product, magnitude);
    }

    /// <summary>
    /// Asserts |actual - exact| &lt;= 1e-5 * sum|x||w| + 1e-30 per element: float32 accumulation of k terms in
    /// any order stays well inside this for the k used in the tests (the worst case is about k * 6e-8).
    /// </summary>
    public static void ShouldMatch(ReadOnlySpan<float> actual, double[] exact, double[] magnitude, string what)
    {
        for (int i = 0; i < exact.Length; i++)
        {
            double tolerance = (1e-5 * magnitude[i]) + 1e-30;
            Math.Abs(actual[i] - exact[i]).Should().BeLessThanOrEqualTo(
                tolerance, $"{what}: output {i} is {actual[i]:R}, the float64 product is {exact[i]:R}");
        }
    }
}
