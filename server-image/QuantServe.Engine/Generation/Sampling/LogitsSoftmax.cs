using System.Numerics;

namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// Softmax pieces in float64 over float32 logits. A logit of -infinity has probability 0; callers
/// guarantee at least one finite logit and none that is NaN or +infinity.
/// </summary>
internal static class LogitsSoftmax
{
    public static float Max(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        var i = 0;
        if (Vector.IsHardwareAccelerated && logits.Length >= Vector<float>.Count)
        {
            var maxes = new Vector<float>(float.NegativeInfinity);
            for (; i <= logits.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                maxes = Vector.Max(maxes, new Vector<float>(logits[i..]));
            }

            for (var lane = 0; lane < Vector<float>.Count; lane++)
            {
                max = Math.Max(max, maxes[lane]);
            }
        }

        for (; i < logits.Length; i++)
        {
            max = Math.Max(max, logits[i]);
        }

        return max;
    }

    /// <summary>True when a logit is NaN or +infinity, the values no softmax can take.</summary>
    public static bool ContainsNaNOrPositiveInfinity(ReadOnlySpan<float> logits)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var positiveInfinity = new Vector<float>(float.PositiveInfinity);
            for (; i <= logits.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var values = new Vector<float>(logits[i..]);
                if (!Vector.EqualsAll(values, values) || Vector.EqualsAny(values, positiveInfinity))
                {
                    return true;
                }
            }
        }

        for (; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i]) || logits[i] == float.PositiveInfinity)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Fills <paramref name="weights"/> with exp(logit - max) and returns their sum, so that
    /// p_i = weights[i] / sum and log p_i = (logit_i - max) - log(sum). SIMD in float64 (a scalar
    /// Math.Exp per token costs about 1 ms per 150k-token vocabulary).
    /// </summary>
    public static double ExpShifted(ReadOnlySpan<float> logits, float max, Span<double> weights)
    {
        var sums = Vector<double>.Zero;
        var shift = new Vector<double>(max);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= logits.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(logits[i..]), out var low, out var high);
                var expLow = Vector.Exp(low - shift);
                var expHigh = Vector.Exp(high - shift);
                expLow.CopyTo(weights[i..]);
                expHigh.CopyTo(weights[(i + Vector<double>.Count)..]);
                sums += expLow + expHigh;
            }
        }

        var sum = Vector.Sum(sums);
        for (; i < logits.Length; i++)
        {
            var weight = Math.Exp((double)logits[i] - max);
            weights[i] = weight;
            sum += weight;
        }

        return sum;
    }

    /// <summary>Returns log(sum(exp(logit - max))) without storing the weights.</summary>
    public static double LogSumShifted(ReadOnlySpan<float> logits, float max)
    {
        var sum = 0.0;
        foreach (var logit in logits)
        {
            sum += Math.Exp((double)logit - max);
        }

        return Math.Log(sum);
    }
}
