using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Tests.Cpu;

public class NormAndActivationTests
{
    [Fact]
    public void RmsNorm_MatchesFloat64_ForEveryLength_SimdAndReference()
    {
        const float eps = 1e-5f;
        for (int n = 1; n <= 257; n++)
        {
            float[] x = TestData.Uniform(n, n, -3f, 3f);
            float[] weight = TestData.Uniform(n, n + 500, 0.5f, 1.5f);
            double meanSquare = x.Sum(v => (double)v * v) / n;
            double inv = 1.0 / Math.Sqrt(meanSquare + eps);

            var y = new float[n];
            var yRef = new float[n];
            RmsNorm.Apply(x, weight, eps, y);
            RmsNorm.ApplyReference(x, weight, eps, yRef);
            for (int i = 0; i < n; i++)
            {
                double exact = x[i] * inv * weight[i];
                TestData.ShouldBeWithin(y[i], exact, Tolerances.RmsNorm(n, exact), $"RmsNorm, length {n}, index {i}");
                TestData.ShouldBeWithin(yRef[i], exact, Tolerances.RmsNorm(n, exact), $"RmsNormReference, length {n}, index {i}");
            }

            RmsNorm.Apply(x, weight, eps, x);
            x.Should().Equal(y, "in place gives the same result");
        }
    }

    [Fact]
    public void RmsNorm_RejectsEmptyAndMismatchedInputs()
    {
        FluentActions.Invoking(() => RmsNorm.Apply([], [], 1e-6f, [])).Should().Throw<ArgumentException>().WithParameterName("x");
        FluentActions.Invoking(() => RmsNorm.Apply(new float[4], new float[3], 1e-6f, new float[4])).Should().Throw<ArgumentException>().WithParameterName("weight");
        FluentActions.Invoking(() => RmsNorm.Apply(new float[4], new float[4], 1e-6f, new float[5])).Should().Throw<ArgumentException>().WithParameterName("y");
    }

    [Fact]
    public void Rope_RotatesHalvesLikeHuggingFace_ForEveryHalfLength_SimdEqualsReference()
    {
        for (int half = 0; half <= 128; half++)
        {
            float[] head = TestData.Uniform(2 * half, half, -4f, 4f);
            float[] angles = TestData.Uniform(half, half + 77, -50f, 50f);
            float[] cos = angles.Select(MathF.Cos).ToArray();
            float[] sin = angles.Select(MathF.Sin).ToArray();

            float[] simd = (float[])head.Clone();
            float[] reference = (float[])head.Clone();
            Rope.Apply(simd, cos, sin);
            Rope.ApplyReference(reference, cos, sin);
            for (int i = 0; i < half; i++)
            {
                double a = head[i], b = head[i + half];
                double lo = (a * cos[i]) - (b * sin[i]);
                double hi = (b * cos[i]) + (a * sin[i]);
                TestData.ShouldBeWithin(simd[i], lo, Tolerances.Rope(a * cos[i], b * sin[i]), $"Rope first half, d/2 = {half}, i = {i}");
                TestData.ShouldBeWithin(simd[i + half], hi, Tolerances.Rope(b * cos[i], a * sin[i]), $"Rope second half, d/2 = {half}, i = {i}");
            }

            simd.Should().Equal(reference, $"SIMD equals reference bit for bit, d/2 = {half}");
        }
    }

    [Fact]
    public void Rope_RejectsMismatchedLengths()
    {
        FluentActions.Invoking(() => Rope.Apply(new float[8], new float[3], new float[3])).Should().Throw<ArgumentException>().WithParameterName("head");
        FluentActions.Invoking(() => Rope.Apply(new float[8], new float[4], new float[3])).Should().Throw<ArgumentException>().WithParameterName("sin");
    }

    [Fact]
    public void Softmax_AndLogSumExp_MatchFloat64_ForEveryLength_SimdAndReference()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] x = TestData.Uniform(n, n, -20f, 20f);
            double max = n == 0 ? 0 : x.Max();
            double range = n == 0 ? 0 : max - x.Min();
            double sum = x.Sum(v => Math.Exp(v - max));

            float[] simd = (float[])x.Clone();
            float[] reference = (float[])x.Clone();
            Softmax.Apply(simd);
            Softmax.ApplyReference(reference);
            for (int i = 0; i < n; i++)
            {
                double exact = Math.Exp(x[i] - max) / sum;
                TestData.ShouldBeWithin(simd[i], exact, Tolerances.Softmax(n, range, exact), $"Softmax, length {n}, index {i}");
                TestData.ShouldBeWithin(reference[i], exact, Tolerances.Softmax(n, range, exact), $"SoftmaxReference, length {n}, index {i}");
            }

            if (n == 0)
            {
                Softmax.LogSumExp(x).Should().Be(float.NegativeInfinity);
                Softmax.LogSumExpReference(x).Should().Be(float.NegativeInfinity);
                continue;
            }

            double lse = max + Math.Log(sum);
            TestData.ShouldBeWithin(Softmax.LogSumExp(x), lse, Tolerances.LogSumExp(n, range, lse), $"LogSumExp, length {n}");
            TestData.ShouldBeWithin(Softmax.LogSumExpReference(x), lse, Tolerances.LogSumExp(n, range, lse), $"LogSumExpReference, length {n}");
        }
    }

    [Fact]
    public void Softmax_SubtractsTheMaximum_SoHugeLogitsDoNotOverflow()
    {
        float[] x = [1000f, 999f, -1000f, 1000f, 0f, 3e38f, 3e38f, 2e38f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f];
        Softmax.Apply(x);
        x.Should().OnlyContain(v => float.IsFinite(v));
        x[5].Should().Be(0.5f);
        x[6].Should().Be(0.5f);
        Softmax.LogSumExp([3e38f, 3e38f]).Should().BeApproximately(3e38f, 1e32f);
        Softmax.LogSumExp([float.PositiveInfinity, 1f]).Should().Be(float.PositiveInfinity);
    }

    [Fact]
    public void SwiGlu_MatchesFloat64_ForEveryLength_SimdAndReference()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] gate = TestData.Uniform(n, n, -30f, 30f);
            float[] up = TestData.Uniform(n, n + 9, -3f, 3f);
            var y = new float[n];
            var yRef = new float[n];
            SwiGlu.Apply(gate, up, y);
            SwiGlu.ApplyReference(gate, up, yRef);
            for (int i = 0; i < n; i++)
            {
                double g = gate[i];
                double exact = g / (1 + Math.Exp(-g)) * up[i];
                TestData.ShouldBeWithin(y[i], exact, Tolerances.SwiGlu(exact), $"SwiGlu, length {n}, index {i}");
                TestData.ShouldBeWithin(yRef[i], exact, Tolerances.SwiGlu(exact), $"SwiGluReference, length {n}, index {i}");
            }

            SwiGlu.Apply(gate, up, gate);
            gate.Should().Equal(y, "writing over gate gives the same result");
        }
    }

    [Fact]
    public void SwiGlu_IsFiniteForLargeNegativeGates_AndRejectsMismatchedLengths()
    {
        float[] gate = Enumerable.Repeat(-1000f, 20).ToArray();
        var y = new float[20];
        SwiGlu.Apply(gate, Enumerable.Repeat(1f, 20).ToArray(), y);
        y.Should().OnlyContain(v => v == 0f);

        FluentActions.Invoking(() => SwiGlu.Apply(new float[3], new float[2], new float[3])).Should().Throw<ArgumentException>().WithParameterName("up");
        FluentActions.Invoking(() => SwiGlu.Apply(new float[3], new float[3], new float[2])).Should().Throw<ArgumentException>().WithParameterName("y");
    }
}
