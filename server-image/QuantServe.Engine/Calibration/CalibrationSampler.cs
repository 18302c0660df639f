namespace QuantServe.Engine.Calibration;

/// <summary>
/// Draws calibration sequences as TGI does - windows of seqlen consecutive tokens at uniformly random
/// starts in the tokenized dataset - but from a seeded generator, so a run can be repeated exactly.
/// </summary>
public static class CalibrationSampler
{
    public static int[][] Sample(IReadOnlyList<int> tokens, int samples, int seqlen, int seed)
    {
        if (samples <= 0)
            throw new ArgumentException($"nsamples must be positive, got {samples}");
        if (seqlen <= 0)
            throw new ArgumentException($"seqlen must be positive, got {seqlen}");
        if (tokens.Count < (long)samples * seqlen)
            throw new InvalidDataException(
                $"the calibration dataset has {tokens.Count} tokens, fewer than nsamples x seqlen = {samples} x {seqlen} = {(long)samples * seqlen}; use a larger dataset or lower --nsamples/--seqlen");
        var rng = new Random(seed);
        var result = new int[samples][];
        for (int s = 0; s < samples; s++)
        {
            int start = rng.Next(0, tokens.Count - seqlen + 1);
            result[s] = new int[seqlen];
            for (int t = 0; t < seqlen; t++)
                result[s][t] = tokens[start + t];
        }
        return result;
    }
}
