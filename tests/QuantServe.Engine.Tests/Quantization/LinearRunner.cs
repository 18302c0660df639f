using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Quantization;

internal static class LinearRunner
{
    public static unsafe float[] Forward(ILinear linear, float[] x, int rows)
    {
        var y = new float[rows * linear.OutFeatures];
        fixed (float* px = x)
        fixed (float* py = y)
        {
            linear.Forward(px, py, rows);
        }

        return y;
    }

    public static float[] Normal(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ =>
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            return scale * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }).ToArray();
    }

    /// <summary>y = x W^T + b in float64.</summary>
    public static double[] Reference(float[] x, float[] w, float[]? bias, int rows, int outFeatures, int inFeatures)
    {
        var y = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < outFeatures; j++)
            {
                double sum = bias?[j] ?? 0;
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += (double)x[(r * inFeatures) + i] * w[(j * inFeatures) + i];
                }

                y[(r * outFeatures) + j] = sum;
            }
        }

        return y;
    }

    /// <summary>||y - reference|| / ||reference||.</summary>
    public static double RelativeError(float[] y, double[] reference)
    {
        double error = 0, norm = 0;
        for (int i = 0; i < y.Length; i++)
        {
            error += Math.Pow(y[i] - reference[i], 2);
            norm += reference[i] * reference[i];
        }

        return Math.Sqrt(error / norm);
    }
}
