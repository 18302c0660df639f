namespace QuantServe.Engine.Calibration;

/// <summary>The baseline: every group's grid fitted on the original weights and each weight rounded to it, in column order.</summary>
public static class RoundToNearest
{
    public static QuantizedWeight Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, GptqOptions options)
    {
        options.Validate();
        int n = outFeatures, k = inFeatures;
        if (weight.Length != (long)n * k)
            throw new ArgumentException($"the weight has {weight.Length} values, not [{n}, {k}]");
        int size = options.GroupSize <= 0 ? k : options.GroupSize;
        int groups = (k + size - 1) / size;
        var w = weight.ToArray();
        var codes = new byte[(long)n * k];
        var scales = new float[groups * n];
        var zeros = new int[groups * n];
        Parallel.For(0, n, r =>
        {
            for (int g = 0; g < groups; g++)
            {
                int start = g * size, end = Math.Min(k, start + size);
                var grid = QuantizationGrid.Fit(w.AsSpan(r * k + start, end - start), options.Bits, options.Sym);
                scales[g * n + r] = grid.Scale;
                zeros[g * n + r] = grid.Zero;
                for (int c = start; c < end; c++)
                    codes[(long)r * k + c] = (byte)grid.Code(w[(long)r * k + c]);
            }
        });
        var groupIndex = Enumerable.Range(0, k).Select(c => c / size).ToArray();
        return new QuantizedWeight(n, k, options.Bits, options.GroupSize, codes, scales, zeros, groupIndex);
    }
}
