namespace QuantServe.Engine.Tests.Sampling;

/// <summary>
/// Float64 transcriptions of transformers' warpers, written for clarity rather than speed (LINQ,
/// a stable OrderBy like torch's stable sort). Each returns the indices that stay finite.
/// </summary>
internal static class TransformersReference
{
    public static double[] Softmax(IReadOnlyList<double> logits)
    {
        var max = logits.Max();
        var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    public static int[] TopPKept(IReadOnlyList<double> logits, double topP)
    {
        var probs = Softmax(logits);
        var ascending = Enumerable.Range(0, logits.Count).OrderBy(i => logits[i]).ToArray();
        var removed = new HashSet<int>();
        var cumulative = 0.0;
        for (var j = 0; j < ascending.Length; j++)
        {
            cumulative += probs[ascending[j]];
            if (cumulative <= 1 - topP && j < ascending.Length - 1)
            {
                removed.Add(ascending[j]);
            }
        }

        return Enumerable.Range(0, logits.Count).Where(i => !removed.Contains(i)).ToArray();
    }

    public static int[] TypicalKept(IReadOnlyList<double> logits, double mass)
    {
        var probs = Softmax(logits);
        var entropy = -probs.Where(p => p > 0).Sum(p => p * Math.Log(p));
        var shifted = probs.Select(p => Math.Abs(-Math.Log(p) - entropy)).ToArray();
        var order = Enumerable.Range(0, logits.Count).OrderBy(i => shifted[i]).ToArray();
        var cumulative = 0.0;
        var last = 0;
        foreach (var i in order)
        {
            cumulative += probs[i];
            if (cumulative < mass)
            {
                last++;
            }
        }

        last = Math.Min(last, order.Length - 1);
        var limit = shifted[order[last]];
        return Enumerable.Range(0, logits.Count).Where(i => !(shifted[i] > limit)).ToArray();
    }

    public static int[] Finite(float[] logits) =>
        Enumerable.Range(0, logits.Length).Where(i => logits[i] != float.NegativeInfinity).ToArray();
}
