using QuantServe.Engine.Calibration;

namespace QuantServe.Engine.Tools;

/// <summary>
/// A quantized matrix with random codes, for decode benchmarks (their speed does not depend on the
/// values): scales near what a 0.02-std weight would get (so activations stay finite), symmetric zeros
/// at 2^(bits-1) or random asymmetric ones, and with act-order a random column order, so g_idx is a
/// permutation's group numbers as GPTQ's desc_act writes it (not monotonic).
/// </summary>
public static class RandomQuantizedWeight
{
    public static QuantizedWeight Create(int outFeatures, int inFeatures, int bits, int groupSize, bool symmetric, bool actOrder, Random random)
    {
        int n = outFeatures, k = inFeatures;
        int size = groupSize <= 0 ? k : groupSize;
        int groups = (k + size - 1) / size;
        var codes = new byte[(long)n * k];
        random.NextBytes(codes);
        if (bits < 8)
        {
            byte mask = (byte)((1 << bits) - 1);
            for (long i = 0; i < codes.Length; i++)
                codes[i] &= mask;
        }
        // Uniform codes around the zero have a std of 2^bits / sqrt(12) steps.
        double step = 0.02 * Math.Sqrt(12) / (1 << bits);
        var scales = new float[groups * n];
        for (int i = 0; i < scales.Length; i++)
            scales[i] = (float)(Half)(step * (0.75 + 0.5 * random.NextDouble()));
        var zeros = new int[groups * n];
        for (int i = 0; i < zeros.Length; i++)
            zeros[i] = symmetric ? 1 << (bits - 1) : random.Next(1 << bits);
        var groupIndex = new int[k];
        if (actOrder)
        {
            var order = Enumerable.Range(0, k).ToArray();
            random.Shuffle(order);
            for (int j = 0; j < k; j++)
                groupIndex[order[j]] = j / size;
        }
        else
        {
            for (int c = 0; c < k; c++)
                groupIndex[c] = c / size;
        }
        return new QuantizedWeight(n, k, bits, groupSize, codes, scales, zeros, groupIndex);
    }
}
