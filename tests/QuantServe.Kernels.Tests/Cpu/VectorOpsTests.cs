using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Tests.Cpu;

public class VectorOpsTests
{
    [Fact]
    public void Dot_MatchesFloat64_ForEveryLength_SimdAndReference()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] a = TestData.Uniform(n, n);
            float[] b = TestData.Uniform(n, n + 1000);
            double exact = 0, absolute = 0;
            for (int i = 0; i < n; i++)
            {
                exact += (double)a[i] * b[i];
                absolute += Math.Abs((double)a[i] * b[i]);
            }

            double tolerance = Tolerances.Summation(n, absolute);
            TestData.ShouldBeWithin(VectorOps.Dot(a, b), exact, tolerance, $"Dot, length {n}");
            TestData.ShouldBeWithin(VectorOps.DotReference(a, b), exact, tolerance, $"DotReference, length {n}");
        }
    }

    [Fact]
    public void Axpy_Add_Scale_MatchFloat64AndReferenceBitForBit_ForEveryLength()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] x = TestData.Uniform(n, n, -100f, 100f);
            float[] y0 = TestData.Uniform(n, n + 1, -100f, 100f);
            const float alpha = -1.37f;

            float[] y = (float[])y0.Clone();
            float[] yRef = (float[])y0.Clone();
            VectorOps.Axpy(alpha, x, y);
            VectorOps.AxpyReference(alpha, x, yRef);

            float[] sum = new float[n];
            float[] sumRef = new float[n];
            VectorOps.Add(x, y0, sum);
            VectorOps.AddReference(x, y0, sumRef);

            float[] scaled = (float[])x.Clone();
            float[] scaledRef = (float[])x.Clone();
            VectorOps.Scale(scaled, alpha);
            VectorOps.ScaleReference(scaledRef, alpha);

            for (int i = 0; i < n; i++)
            {
                double axpy = ((double)alpha * x[i]) + y0[i];
                TestData.ShouldBeWithin(y[i], axpy, Tolerances.OneRounding(axpy), $"Axpy, length {n}, index {i}");
                TestData.SameBits(y[i], yRef[i]).Should().BeTrue($"Axpy SIMD equals reference, length {n}, index {i}");

                double add = (double)x[i] + y0[i];
                TestData.ShouldBeWithin(sum[i], add, Tolerances.OneRounding(add), $"Add, length {n}, index {i}");
                TestData.SameBits(sum[i], sumRef[i]).Should().BeTrue($"Add SIMD equals reference, length {n}, index {i}");

                double scale = (double)x[i] * alpha;
                TestData.ShouldBeWithin(scaled[i], scale, Tolerances.OneRounding(scale), $"Scale, length {n}, index {i}");
                TestData.SameBits(scaled[i], scaledRef[i]).Should().BeTrue($"Scale SIMD equals reference, length {n}, index {i}");
            }
        }
    }

    [Fact]
    public void Add_WorksInPlace()
    {
        float[] a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
        float[] b = TestData.Uniform(a.Length, 3);
        float[] expected = a.Zip(b, (p, q) => p + q).ToArray();
        VectorOps.Add(a, b, a);
        a.Should().Equal(expected);
    }

    [Fact]
    public void ArgMax_ReturnsFirstIndexOfTheMaximum_ForEveryLengthAndPosition()
    {
        for (int n = 1; n <= 257; n++)
        {
            float[] x = TestData.Uniform(n, n, -5f, 5f);
            int exact = 0;
            for (int i = 1; i < n; i++)
            {
                exact = x[i] > x[exact] ? i : exact;
            }

            VectorOps.ArgMax(x).Should().Be(exact, $"length {n}");
            VectorOps.ArgMaxReference(x).Should().Be(exact, $"length {n}");

            // A tie with a later element keeps the first; moving the maximum anywhere is found.
            int position = n * 7 / 11;
            x[position] = 10f;
            if (position + 1 < n)
            {
                x[n - 1] = 10f;
            }

            VectorOps.ArgMax(x).Should().Be(position, $"length {n}, maximum at {position}");
            VectorOps.ArgMaxReference(x).Should().Be(position, $"length {n}, maximum at {position}");
        }
    }

    [Fact]
    public void ArgMax_TreatsNaNAsLargest_AndHandlesAllNegativeInfinity()
    {
        float[] x = TestData.Uniform(40, 1);
        x[33] = float.NaN;
        x[35] = float.NaN;
        VectorOps.ArgMax(x).Should().Be(33);
        VectorOps.ArgMaxReference(x).Should().Be(33);

        float[] infinite = Enumerable.Repeat(float.NegativeInfinity, 19).ToArray();
        VectorOps.ArgMax(infinite).Should().Be(0);
        VectorOps.ArgMaxReference(infinite).Should().Be(0);
    }

    [Fact]
    public void VectorOps_RejectBadLengthsNamingTheParameter()
    {
        FluentActions.Invoking(() => VectorOps.Dot(new float[3], new float[4])).Should().Throw<ArgumentException>().WithParameterName("b");
        FluentActions.Invoking(() => VectorOps.Axpy(1f, new float[3], new float[4])).Should().Throw<ArgumentException>().WithParameterName("y");
        FluentActions.Invoking(() => VectorOps.Add(new float[3], new float[3], new float[2])).Should().Throw<ArgumentException>().WithParameterName("y");
        FluentActions.Invoking(() => VectorOps.Add(new float[3], new float[2], new float[3])).Should().Throw<ArgumentException>().WithParameterName("b");
        FluentActions.Invoking(() => VectorOps.ArgMax([])).Should().Throw<ArgumentException>().WithParameterName("x");
    }
}
