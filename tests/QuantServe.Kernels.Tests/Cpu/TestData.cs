namespace QuantServe.Kernels.Tests.Cpu;

/// <summary>Deterministic inputs: every test run sees the same numbers.</summary>
internal static class TestData
{
    public static float[] Uniform(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = low + ((high - low) * (float)random.NextDouble());
        }

        return values;
    }

    public static IEnumerable<int> Lengths => Enumerable.Range(0, 258);

    public static bool SameBits(float a, float b) => BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b);

    public static void ShouldBeWithin(float actual, double exact, double tolerance, string what)
    {
        Math.Abs(actual - exact).Should().BeLessThanOrEqualTo(
            tolerance, $"{what}: got {actual:R}, float64 gives {exact:R}");
    }
}
