using System.Numerics;

namespace QuantServe.Engine.Generation.Sampling;

/// <summary>transformers' TemperatureLogitsWarper: logits / temperature (a true division, as torch does).</summary>
internal static class TemperatureWarper
{
    public static void Apply(Span<float> logits, float temperature)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var divisor = new Vector<float>(temperature);
            for (; i <= logits.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(logits[i..]) / divisor).CopyTo(logits[i..]);
            }
        }

        for (; i < logits.Length; i++)
        {
            logits[i] /= temperature;
        }
    }
}
