using QuantServe.Kernels.Cpu;
using QuantServe.Kernels.Tests.Cpu;

namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>Every format's SIMD and scalar matmul against the float64 product with its own dequantized weights.</summary>
// Runs with the KernelThreads tests, one at a time: quantizing and multiplying use the shared pool,
// which those tests need to find free.
[Collection(KernelThreadsCollection.Name)]
public class QuantizedMatMulTests
{
    // k covers the scalar tails (1, 7, 31, 33), block multiples (64, 128, 192) and blocks split across rows (65, 257).
    public static IEnumerable<object[]> Shapes()
    {
        int[] ms = [1, 2, 3, 4, 5, 7]; // 1-3: row-tile kernels; 4 and more: the prefill path
        int[] ns = [1, 3, 17];
        int[] ks = [1, 7, 31, 33, 64, 65, 128, 192, 257];
        foreach (string scheme in QuantizedScheme.All.Keys)
        {
            foreach (int k in ks)
            {
                yield return [scheme, ms[k % ms.Length], ns[k % ns.Length], k];
            }

            yield return [scheme, 5, 9, 256];

            // Decode (1-3 rows) over whole 64-input chunks, with and without a tail.
            yield return [scheme, 1, 5, 64];
            yield return [scheme, 1, 6, 256];
            yield return [scheme, 2, 7, 320];
            yield return [scheme, 1, 3, 200];
            yield return [scheme, 3, 4, 130];
            yield return [scheme, 4, 33, 512];

            // Decode over more than 256 blocks of 64, so nf4/fp4's double-quantized absmax moves to the next
            // nested block in the middle of a row: even and odd blocks per row, 1-3 rows.
            yield return [scheme, 1, 50, 384];
            yield return [scheme, 1, 100, 192];
            yield return [scheme, 2, 50, 384];
            yield return [scheme, 3, 100, 192];

            // Prefill path (4 rows and more): weight-row blocks of 16 with a partial last block, odd k.
            yield return [scheme, 16, 16, 64];
            yield return [scheme, 17, 35, 192];
            yield return [scheme, 33, 18, 65];
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SimdAndScalar_MatchTheFloat64ProductWithDequantizedWeights(string name, int m, int n, int k)
    {
        QuantizedScheme scheme = QuantizedScheme.All[name];
        float[] w = QuantizedTestData.Normal(n * k, seed: (n * 1000) + k, scale: 0.05f);
        float[] x = QuantizedTestData.Uniform(m * k, seed: k + 7, low: -2f, high: 2f);
        object packed = scheme.Quantize(w, n, k);
        var (exact, magnitude) = QuantizedTestData.Float64Product(x, scheme.Dequantize(packed), m, n, k);

        var simd = new float[m * n];
        var scalar = new float[m * n];
        scheme.Multiply(packed, x, simd, m);
        scheme.MultiplyReference(packed, x, scalar, m);

        QuantizedTestData.ShouldMatch(simd, exact, magnitude, $"{name} SIMD [{m}x{k}] x [{n}x{k}]^T");
        QuantizedTestData.ShouldMatch(scalar, exact, magnitude, $"{name} scalar [{m}x{k}] x [{n}x{k}]^T");
    }

    [Theory]
    [MemberData(nameof(QuantizedScheme.Names), MemberType = typeof(QuantizedScheme))]
    public void Threads_GiveBitIdenticalResults(string name)
    {
        QuantizedScheme scheme = QuantizedScheme.All[name];
        const int m = 6, n = 37, k = 320;
        object packed = scheme.Quantize(QuantizedTestData.Normal(n * k, 11), n, k);
        float[] x = QuantizedTestData.Uniform(m * k, 12);
        var one = new float[m * n];
        var four = new float[m * n];
        int saved = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 1;
            scheme.Multiply(packed, x, one, m);
            KernelThreads.Count = 4;
            scheme.Multiply(packed, x, four, m);
        }
        finally
        {
            KernelThreads.Count = saved;
        }

        four.Should().Equal(one, "each output is computed by exactly one thread in the same order");
    }

    [Theory]
    [MemberData(nameof(QuantizedScheme.Names), MemberType = typeof(QuantizedScheme))]
    public void ZeroRows_WriteNothing(string name)
    {
        QuantizedScheme scheme = QuantizedScheme.All[name];
        object packed = scheme.Quantize(QuantizedTestData.Normal(4 * 64, 1), 4, 64);
        var y = new float[] { 42f };
        scheme.Multiply(packed, [], y, 0);
        y[0].Should().Be(42f);
    }

    [Theory]
    [MemberData(nameof(QuantizedScheme.Names), MemberType = typeof(QuantizedScheme))]
    public void ShortBuffers_AreRejectedWithTheNeededSize(string name)
    {
        QuantizedScheme scheme = QuantizedScheme.All[name];
        object packed = scheme.Quantize(QuantizedTestData.Normal(4 * 64, 1), 4, 64);
        var act = () => scheme.Multiply(packed, new float[64], new float[8], 2);
        act.Should().Throw<ArgumentException>().WithMessage("*2 rows of 64 inputs*");
    }

    [Theory]
    [MemberData(nameof(QuantizedScheme.Names), MemberType = typeof(QuantizedScheme))]
    public void NonFiniteWeights_AreRefused(string name)
    {
        QuantizedScheme scheme = QuantizedScheme.All[name];
        float[] w = QuantizedTestData.Normal(8 * 64, 1);
        w[5 * 64 + 3] = float.PositiveInfinity;
        var act = () => scheme.Quantize(w, 8, 64);
        act.Should().Throw<ArgumentException>().WithMessage("*non-finite weight (Infinity) in * 5 *");
    }
}
