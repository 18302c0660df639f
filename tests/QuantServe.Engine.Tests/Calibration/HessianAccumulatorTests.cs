using QuantServe.Engine.Calibration;

namespace QuantServe.Engine.Tests.Calibration;

public sealed unsafe class HessianAccumulatorTests
{
    [Fact]
    public void Hessian_IsTwiceTheSumOfOuterProductsOverTheSampleCount()
    {
        const int k = 40;
        var rng = new Random(2);
        var samples = new[] { 7, 13, 1 }.Select(rows => Enumerable.Range(0, rows * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var accumulator = new HessianAccumulator(k);
        foreach (var x in samples)
            fixed (float* p = x)
                accumulator.Add(p, x.Length / k);
        var h = accumulator.ToHessian();

        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double expected = 0;
                foreach (var x in samples)
                    for (int t = 0; t < x.Length / k; t++)
                        expected += 2.0 * x[t * k + i] * x[t * k + j];
                expected /= samples.Length;
                ((double)h[i * k + j]).Should().BeApproximately(expected, 1e-4 * (1 + Math.Abs(expected)), $"H[{i}, {j}]");
            }
    }
}
