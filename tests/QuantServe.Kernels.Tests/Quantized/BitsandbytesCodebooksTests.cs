using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

public class BitsandbytesCodebooksTests
{
    // Standard normal quantile in float64: bisection on the CDF, the CDF by composite Simpson integration
    // of the density (error far below float32 resolution for |x| < 3).
    private static double NormalCdf(double x)
    {
        const int intervals = 4000;
        double h = x / intervals, sum = Density(0) + Density(x);
        for (int i = 1; i < intervals; i++)
        {
            sum += Density(i * h) * (i % 2 == 1 ? 4 : 2);
        }

        return 0.5 + (sum * h / 3);

        static double Density(double t) => Math.Exp(-t * t / 2) / Math.Sqrt(2 * Math.PI);
    }

    private static double NormalQuantile(double p)
    {
        double lo = -6, hi = 6;
        for (int i = 0; i < 64; i++)
        {
            double mid = (lo + hi) / 2;
            if (NormalCdf(mid) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }

    // torch.linspace on the CPU in float32 (scalar path).
    private static float[] Linspace(float start, float end, int steps)
    {
        float step = (end - start) / (steps - 1);
        return Enumerable.Range(0, steps).Select(i => i < steps / 2 ? start + (step * i) : end - (step * (steps - i - 1))).ToArray();
    }

    [Fact]
    public void Nf4_EqualsCreateNormalMapEvaluatedFromItsDefinition()
    {
        // create_normal_map(offset=0.9677083, use_extra_value=True): quantiles of linspace(offset, 0.5, 9)[:-1]
        // and the negated quantiles of linspace(offset, 0.5, 8)[:-1], plus 0; sorted; divided by the max.
        const float offset = 0.9677083f;
        var values = new List<float>();
        values.AddRange(Linspace(offset, 0.5f, 9)[..^1].Select(p => (float)NormalQuantile(p)));
        values.AddRange(Linspace(offset, 0.5f, 8)[..^1].Select(p => (float)-NormalQuantile(p)));
        values.Add(0f);
        values.Sort();
        float max = values.Max();
        float[] expected = values.Select(v => v / max).ToArray();

        BitsandbytesCodebooks.Nf4.ToArray().Should().Equal(expected);
        BitsandbytesCodebooks.Nf4[BitsandbytesCodebooks.Nf4ZeroCode].Should().Be(0f);
        BitsandbytesCodebooks.Nf4[0].Should().Be(-1f);
        BitsandbytesCodebooks.Nf4[15].Should().Be(1f);
    }

    [Fact]
    public void Fp4_CodesFollowBitsandbytesBitAssignment()
    {
        // get_4bit_type("fp4") before normalisation, and the constants of the CUDA dequantization tree.
        float[] published = [0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f];
        float[] cudaTree = [0f, 5.208333333e-03f, 0.66666667f, 1.0f, 0.33333333f, 0.5f, 0.16666667f, 0.25f];
        for (int code = 0; code < 16; code++)
        {
            float sign = code >= 8 ? -1f : 1f;
            BitsandbytesCodebooks.Fp4[code].Should().Be(sign * published[code & 7] / 12f, $"fp4 code {code}");
            BitsandbytesCodebooks.Fp4[code].Should().Be(sign * cudaTree[code & 7], $"fp4 code {code}");
        }
    }

    [Theory]
    [InlineData(Bnb4BitType.Nf4)]
    [InlineData(Bnb4BitType.Fp4)]
    public void Quantize_PicksTheNearestCode_TiesGoToTheSmallerMagnitudeSide(Bnb4BitType type)
    {
        ReadOnlySpan<float> table = BitsandbytesCodebooks.For(type);
        var inputs = QuantizedTestData.Uniform(5000, 3).ToList();
        var sorted = table.ToArray().Distinct().OrderBy(v => v).ToArray();
        for (int i = 0; i + 1 < sorted.Length; i++)
        {
            float mid = (sorted[i] + sorted[i + 1]) / 2f;
            inputs.AddRange([mid, MathF.BitDecrement(mid), MathF.BitIncrement(mid), sorted[i]]);
        }

        foreach (float x in inputs)
        {
            byte code = BitsandbytesCodebooks.Quantize(type, x);
            float chosen = table[code];
            float best = sorted.MinBy(v => Math.Abs((double)v - x));
            // The decision thresholds are float32 midpoints (bitsandbytes hard-codes them as float literals), so an
            // input within an ulp of the exact midpoint may go either way.
            Math.Abs((double)chosen - x).Should().BeLessThanOrEqualTo(Math.Abs((double)best - x) + 1.2e-7, $"{type} of {x:R} chose code {code} = {chosen:R}");
        }

        for (int code = 0; code < 16; code++)
        {
            float value = table[code];
            if (value != 0f)
            {
                BitsandbytesCodebooks.Quantize(type, value).Should().Be((byte)code, $"{type} value {value:R} is code {code}");
            }
        }

        // bitsandbytes decides with "x > threshold", so an exact midpoint goes to the code below it.
        float nf4Top = (BitsandbytesCodebooks.Nf4[14] + 1f) / 2f;
        BitsandbytesCodebooks.QuantizeNf4(nf4Top).Should().Be(14);
        BitsandbytesCodebooks.QuantizeFp4(((2f / 12f) + (3f / 12f)) / 2f).Should().Be(0b110);
        BitsandbytesCodebooks.QuantizeFp4(-1f).Should().Be(0b1011);
    }

    [Fact]
    public void DynamicMap_HasTheStructureOfCreateDynamicMap()
    {
        ReadOnlySpan<float> map = BitsandbytesCodebooks.Dynamic;
        map.Length.Should().Be(256);
        map[255].Should().Be(1f);
        map.ToArray().Count(v => v == 0f).Should().Be(1);
        for (int i = 1; i < 256; i++)
        {
            map[i].Should().BeGreaterThan(map[i - 1]);
        }

        // 127 values per sign: i = 0..6 contributes 2^i means of [0.1, 1] scaled by 10^(i-6).
        map.ToArray().Count(v => v < 0).Should().Be(127);
        for (int i = 0; i < 127; i++)
        {
            map[i].Should().Be(-map[254 - i], "the map is symmetric except for the extra 1.0");
        }

        // Float64 evaluation of the definition; torch computes it in float32, so allow a few ulps.
        var expected = new List<double> { 0, 1 };
        for (int i = 0; i < 7; i++)
        {
            int steps = (1 << i) + 1;
            for (int b = 0; b < steps - 1; b++)
            {
                double lo = 0.1 + (0.9 * b / (steps - 1)), hi = 0.1 + (0.9 * (b + 1) / (steps - 1));
                double mean = Math.Pow(10, i - 6) * (lo + hi) / 2;
                expected.Add(mean);
                expected.Add(-mean);
            }
        }

        expected.Sort();
        for (int i = 0; i < 256; i++)
        {
            Math.Abs(map[i] - expected[i]).Should().BeLessThanOrEqualTo(4e-7 * Math.Abs(expected[i]), $"dynamic map entry {i}");
        }

        map[254].Should().BeApproximately(0.99296875f, 1e-7f);
        map[128].Should().BeApproximately(5.5e-7f, 1e-12f);
    }

    [Fact]
    public void QuantizeToMap_ReturnsTheNearestEntry()
    {
        ReadOnlySpan<float> map = BitsandbytesCodebooks.Dynamic;
        foreach (float x in QuantizedTestData.Uniform(3000, 5).Concat([-1f, 1f, 0f, 2f, -2f]))
        {
            byte code = BitsandbytesCodebooks.QuantizeToMap(map, x);
            double best = map.ToArray().Min(v => Math.Abs((double)v - x));
            Math.Abs((double)map[code] - x).Should().Be(best, $"{x:R}");
        }
    }
}
