using QuantServe.Kernels.Quantized;
using QuantServe.Kernels.Tests.Cpu;

namespace QuantServe.Kernels.Tests.Quantized;

// Runs with the KernelThreads tests, one at a time: quantizing and multiplying use the shared pool,
// which those tests need to find free.
[Collection(KernelThreadsCollection.Name)]
public class LlmInt8MatMulTests
{
    // The LLM.int8() decomposition written out in float64 from its definition: outlier columns (any row with
    // |x| >= threshold) in full precision against the dequantized weight columns, the rest as exact integer
    // dot products of vector-wise quantized activations (codes computed in float32 as the format defines them).
    private static (double[] Product, double[] Magnitude) Decomposition(Int8RowWeights w, float[] x, int m, float threshold)
    {
        int n = w.Rows, k = w.Cols;
        var outlier = new bool[k];
        for (int c = 0; c < k; c++)
        {
            for (int r = 0; r < m; r++)
            {
                outlier[c] |= threshold > 0 && Math.Abs(x[(r * k) + c]) >= threshold;
            }
        }

        var product = new double[m * n];
        var magnitude = new double[m * n];
        for (int r = 0; r < m; r++)
        {
            float absmax = 0f;
            for (int c = 0; c < k; c++)
            {
                absmax = outlier[c] ? absmax : Math.Max(absmax, Math.Abs(x[(r * k) + c]));
            }

            float inverse = absmax > 0 ? 127f / absmax : 0f;
            for (int j = 0; j < n; j++)
            {
                double integer = 0, full = 0, abs = 0;
                for (int c = 0; c < k; c++)
                {
                    double wc = w.Codes[(j * k) + c];
                    if (outlier[c])
                    {
                        full += x[(r * k) + c] * wc;
                        abs += Math.Abs(x[(r * k) + c] * wc);
                    }
                    else
                    {
                        double q = Math.Round(x[(r * k) + c] * inverse, MidpointRounding.ToEven);
                        integer += q * wc;
                        abs += Math.Abs(q * wc * absmax / 127.0);
                    }
                }

                product[(r * n) + j] = w.Scales[j] * ((integer * absmax / 127.0) + full);
                magnitude[(r * n) + j] = w.Scales[j] * abs;
            }
        }

        return (product, magnitude);
    }

    private static float[] WithOutlierColumns(int m, int k, int seed)
    {
        float[] x = QuantizedTestData.Uniform(m * k, seed);
        var random = new Random(seed);
        foreach (int c in new[] { 0, k / 3, k - 1 })
        {
            for (int r = 0; r < m; r++)
            {
                x[(r * k) + c] = (float)(6 + (20 * random.NextDouble())) * (random.Next(2) == 0 ? -1 : 1);
            }
        }

        // One row alone makes its column an outlier column for every row; exactly 6.0 counts, 5.99 does not.
        x[(m - 1) * k + (k / 2)] = 6.0f;
        x[k / 4] = 5.99f;
        return x;
    }

    public static IEnumerable<object[]> Shapes() =>
    [
        [1, 1, 5], [2, 3, 31], [3, 17, 33], [4, 5, 64], [5, 9, 65], [7, 3, 257], [6, 33, 512],
    ];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OutlierColumns_MatchTheFloat64Decomposition(int m, int n, int k)
    {
        var weights = Int8RowWeights.Quantize(QuantizedTestData.Normal(n * k, k, 0.05f), n, k);
        float[] x = WithOutlierColumns(m, k, seed: m + k);
        var (exact, magnitude) = Decomposition(weights, x, m, LlmInt8MatMul.DefaultThreshold);

        var simd = new float[m * n];
        var scalar = new float[m * n];
        LlmInt8MatMul.Multiply(weights, x, simd, m);
        LlmInt8MatMul.MultiplyReference(weights, x, scalar, m);

        QuantizedTestData.ShouldMatch(simd, exact, magnitude, $"LLM.int8 SIMD [{m}x{k}] x [{n}x{k}]^T");
        QuantizedTestData.ShouldMatch(scalar, exact, magnitude, $"LLM.int8 scalar [{m}x{k}] x [{n}x{k}]^T");
    }

    [Fact]
    public void ThresholdZero_QuantizesEveryColumn()
    {
        const int m = 3, n = 7, k = 96;
        var weights = Int8RowWeights.Quantize(QuantizedTestData.Normal(n * k, 2), n, k);
        float[] x = WithOutlierColumns(m, k, 4);
        var (exact, magnitude) = Decomposition(weights, x, m, threshold: 0f);
        var y = new float[m * n];
        LlmInt8MatMul.Multiply(weights, x, y, m, threshold: 0f);
        QuantizedTestData.ShouldMatch(y, exact, magnitude, "LLM.int8 without outlier decomposition");
    }

    [Fact]
    public void OutlierDecomposition_IsCloserToTheFullPrecisionProductThanPlainInt8()
    {
        const int m = 4, n = 64, k = 512;
        var weights = Int8RowWeights.Quantize(QuantizedTestData.Normal(n * k, 9, 0.05f), n, k);
        float[] x = WithOutlierColumns(m, k, 10);
        var (reference, _) = QuantizedTestData.Float64Product(x, weights.Dequantize(), m, n, k);

        var withOutliers = new float[m * n];
        var plain = new float[m * n];
        LlmInt8MatMul.Multiply(weights, x, withOutliers, m);
        LlmInt8MatMul.Multiply(weights, x, plain, m, threshold: 0f);

        double Error(float[] y) => y.Select((v, i) => Math.Pow(v - reference[i], 2)).Sum();
        Error(withOutliers).Should().BeLessThan(Error(plain) / 10, "outliers of up to 26 would otherwise crush the int8 resolution of the other columns");
    }
}
