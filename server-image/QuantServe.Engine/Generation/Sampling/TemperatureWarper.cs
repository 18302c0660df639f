namespace QuantServe.Engine.Generation.Sampling;

/// <summary>transformers' TemperatureLogitsWarper: logits / temperature.</summary>
internal static class TemperatureWarper
{
    public static void Apply(Span<float> logits, float temperature)
    {
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] /= temperature;
        }
    }
}
