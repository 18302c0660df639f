using System.Text.Json.Serialization;

namespace QuantServe.Operator.Entities;

public sealed class PerplexityResult
{
    [JsonPropertyName("base")] public double Base { get; set; }
    [JsonPropertyName("quantized")] public double Quantized { get; set; }

    /// <summary>How much worse the quantized model is, in percent of the base perplexity.</summary>
    [JsonIgnore] public double IncreasePercent => Base <= 0 ? double.PositiveInfinity : (Quantized - Base) / Base * 100.0;
}
