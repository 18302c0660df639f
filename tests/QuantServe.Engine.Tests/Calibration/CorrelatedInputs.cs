namespace QuantServe.Engine.Tests.Calibration;

/// <summary>Calibration-like inputs: columns mixed through a random matrix (strongly correlated), a few with large scales, as LLM activations have.</summary>
internal static class CorrelatedInputs
{
    /// <summary>Rows drawn with <paramref name="seed"/> from the distribution fixed by <paramref name="mixSeed"/>.</summary>
    public static float[] Create(int rows, int k, int seed, int mixSeed = 1)
    {
        var mixing = new Random(mixSeed);
        var rng = new Random(seed);
        int latent = Math.Max(4, k / 4);
        var mix = new double[latent * k];
        for (int i = 0; i < mix.Length; i++)
            mix[i] = Gaussian(mixing);
        var columnScale = Enumerable.Range(0, k).Select(c => c % 17 == 3 ? 8.0 : 1.0).ToArray();
        var x = new float[rows * k];
        var z = new double[latent];
        for (int t = 0; t < rows; t++)
        {
            for (int j = 0; j < latent; j++)
                z[j] = Gaussian(rng);
            for (int c = 0; c < k; c++)
            {
                double v = 0.1 * Gaussian(rng);
                for (int j = 0; j < latent; j++)
                    v += z[j] * mix[j * k + c] / Math.Sqrt(latent);
                x[t * k + c] = (float)(v * columnScale[c]);
            }
        }
        return x;
    }

    public static float[] Weight(int n, int k, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * k).Select(_ => (float)(Gaussian(rng) / Math.Sqrt(k))).ToArray();
    }

    /// <summary>2 X^T X / 1 for inputs [rows x k] (one sample), in float64 and fp32.</summary>
    public static (double[,] Exact, float[] Single) Hessian(float[] x, int rows, int k)
    {
        var h = new double[k, k];
        for (int t = 0; t < rows; t++)
            for (int i = 0; i < k; i++)
            {
                double xi = x[t * k + i];
                for (int j = 0; j < k; j++)
                    h[i, j] += 2 * xi * x[t * k + j];
            }
        var single = new float[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                single[i * k + j] = (float)h[i, j];
        return (h, single);
    }

    /// <summary>||W X^T - Q X^T||^2 in float64.</summary>
    public static double OutputError(float[] w, float[] q, float[] x, int n, int k, int rows)
    {
        double total = 0;
        for (int r = 0; r < n; r++)
            for (int t = 0; t < rows; t++)
            {
                double d = 0;
                for (int c = 0; c < k; c++)
                    d += ((double)w[r * k + c] - q[r * k + c]) * x[t * k + c];
                total += d * d;
            }
        return total;
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
