using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Tests.Cpu;

[Collection(KernelThreadsCollection.Name)]
public sealed unsafe class MatMulTests : IDisposable
{
    private readonly int savedCount = KernelThreads.Count;

    public void Dispose() => KernelThreads.Count = savedCount;

    public enum Format
    {
        F32,
        F16,
        BF16,
    }

    /// <summary>W in one storage format plus its exact fp32 values.</summary>
    private sealed class Weights
    {
        public Weights(Format format, float[] source)
        {
            Format = format;
            F32 = source;
            F16 = source.Select(v => (Half)v).ToArray();
            BF16 = source.Select(FloatConversions.SingleToBF16).ToArray();
            Values = format switch
            {
                Format.F32 => source,
                Format.F16 => F16.Select(h => (float)h).ToArray(),
                _ => BF16.Select(FloatConversions.BF16ToSingle).ToArray(),
            };
        }

        public Format Format { get; }

        public float[] F32 { get; }

        public Half[] F16 { get; }

        public ushort[] BF16 { get; }

        public float[] Values { get; }

        public void Multiply(float[] x, float[] y, int m, int n, int k, bool reference)
        {
            fixed (float* px = x, py = y, pw = F32)
            fixed (Half* ph = F16)
            fixed (ushort* pb = BF16)
            {
                switch (Format, reference)
                {
                    case (Format.F32, false): MatMul.F32(px, pw, py, m, n, k); break;
                    case (Format.F32, true): MatMul.F32Reference(px, pw, py, m, n, k); break;
                    case (Format.F16, false): MatMul.F16(px, ph, py, m, n, k); break;
                    case (Format.F16, true): MatMul.F16Reference(px, ph, py, m, n, k); break;
                    case (Format.BF16, false): MatMul.BF16(px, pb, py, m, n, k); break;
                    default: MatMul.BF16Reference(px, pb, py, m, n, k); break;
                }
            }
        }
    }

    public static TheoryData<Format> Formats => new() { Format.F32, Format.F16, Format.BF16 };

    private static void CheckAgainstFloat64(Weights w, float[] x, float[] y, int m, int n, int k, string what)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double exact = 0, absolute = 0;
                for (int kk = 0; kk < k; kk++)
                {
                    double term = (double)x[(i * k) + kk] * w.Values[(j * k) + kk];
                    exact += term;
                    absolute += Math.Abs(term);
                }

                TestData.ShouldBeWithin(y[(i * n) + j], exact, Tolerances.Summation(k, absolute), $"{what} m={m} n={n} k={k} y[{i},{j}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void MatMul_MatchesFloat64_OnOddShapes_SimdAndReference(Format format)
    {
        KernelThreads.Count = 2;
        int[] ms = [1, 2, 3, 5, 17];
        int[] ns = [1, 3, 4, 7, 37];
        int[] ks = [0, 1, 15, 16, 31, 33, 47, 95, 257];
        foreach (int m in ms)
        {
            foreach (int n in ns)
            {
                foreach (int k in ks)
                {
                    var w = new Weights(format, TestData.Uniform(n * k, (m * 1000) + (n * 10) + k, -2f, 2f));
                    float[] x = TestData.Uniform(m * k, k, -3f, 3f);
                    var y = Enumerable.Repeat(float.NaN, m * n).ToArray();
                    var yRef = Enumerable.Repeat(float.NaN, m * n).ToArray();
                    w.Multiply(x, y, m, n, k, reference: false);
                    w.Multiply(x, yRef, m, n, k, reference: true);
                    CheckAgainstFloat64(w, x, y, m, n, k, $"{format} SIMD");
                    CheckAgainstFloat64(w, x, yRef, m, n, k, $"{format} reference");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void MatMul_MatchesFloat64_AcrossRowAndDepthBlocks(Format format)
    {
        // m and k past RowBlock (64) and DepthBlock (1024) so blocks of both are stitched together.
        const int m = 70, n = 9, k = 1100;
        var w = new Weights(format, TestData.Uniform(n * k, 5, -1f, 1f));
        float[] x = TestData.Uniform(m * k, 6, -1f, 1f);
        var y = new float[m * n];
        w.Multiply(x, y, m, n, k, reference: false);
        CheckAgainstFloat64(w, x, y, m, n, k, $"{format} blocked");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void MatMul_GivesIdenticalBits_OnOneAndTwoThreads(Format format)
    {
        foreach ((int m, int n, int k) in new[] { (1, 67, 1031), (5, 67, 257), (70, 37, 1100) })
        {
            var w = new Weights(format, TestData.Uniform(n * k, n, -1f, 1f));
            float[] x = TestData.Uniform(m * k, m, -1f, 1f);
            var one = new float[m * n];
            var two = new float[m * n];
            KernelThreads.Count = 1;
            w.Multiply(x, one, m, n, k, reference: false);
            KernelThreads.Count = 2;
            w.Multiply(x, two, m, n, k, reference: false);
            two.Should().Equal(one, $"{format} m={m} n={n} k={k}");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void MatMul_PropagatesInfinityAndNaNWeights_LikeTheReference(Format format)
    {
        const int m = 2, n = 5, k = 64;
        float[] source = TestData.Uniform(n * k, 1);
        source[(1 * k) + 3] = float.NaN;
        source[(2 * k) + 40] = float.PositiveInfinity;
        source[(3 * k) + 63] = float.NegativeInfinity;
        var w = new Weights(format, source);
        float[] x = TestData.Uniform(m * k, 2, 0.5f, 1f);
        var y = new float[m * n];
        var yRef = new float[m * n];
        w.Multiply(x, y, m, n, k, reference: false);
        w.Multiply(x, yRef, m, n, k, reference: true);
        for (int i = 0; i < m; i++)
        {
            float.IsNaN(y[(i * n) + 1]).Should().BeTrue();
            y[(i * n) + 2].Should().Be(float.PositiveInfinity);
            y[(i * n) + 3].Should().Be(float.NegativeInfinity);
            float.IsFinite(y[(i * n) + 4]).Should().BeTrue();
            y[(i * n) + 2].Should().Be(yRef[(i * n) + 2]);
        }
    }

    [Fact]
    public void MatMul_DoesNotAllocatePerCall()
    {
        KernelThreads.Count = 2;
        const int m = 6, n = 64, k = 512; // m > 4: the prefill path with its converted W slice
        var w = new Weights(Format.BF16, TestData.Uniform(n * k, 1));
        float[] x = TestData.Uniform(m * k, 2);
        var y = new float[m * n];
        fixed (float* px = x, py = y)
        fixed (ushort* pw = w.BF16)
        {
            MatMul.BF16(px, pw, py, m, n, k);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                MatMul.BF16(px, pw, py, m, n, k);
            }

            (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        }
    }

    [Fact]
    public void MatMul_SpanEntries_CheckLengthsNamingTheParameter()
    {
        FluentActions.Invoking(() => MatMul.F32(new float[3], new float[12], new float[3], 1, 3, 4))
            .Should().Throw<ArgumentException>().WithParameterName("x");
        FluentActions.Invoking(() => MatMul.F32(new float[4], new float[11], new float[3], 1, 3, 4))
            .Should().Throw<ArgumentException>().WithParameterName("w");
        FluentActions.Invoking(() => MatMul.BF16(new float[8], new ushort[12], new float[5], 2, 3, 4))
            .Should().Throw<ArgumentException>().WithParameterName("y");
        FluentActions.Invoking(() => MatMul.F16(new float[8], new Half[12], new float[6], 2, -3, 4))
            .Should().Throw<ArgumentException>().WithParameterName("n");
        FluentActions.Invoking(() => MatMul.F32((float*)null, (float*)null, (float*)null, 1, 1, 1))
            .Should().Throw<ArgumentException>().WithParameterName("x");

        var y = new float[6];
        MatMul.F16(new float[8], Enumerable.Repeat((Half)1, 12).ToArray(), y, 2, 3, 4);
        y.Should().OnlyContain(v => v == 0f);
    }
}
