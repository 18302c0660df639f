using System.ComponentModel;
using System.Text.Json.Serialization;

namespace QuantServe.Operator.Entities;

[Description("Perplexity comparison of the base and the quantized model after calibration.")]
public sealed class EvaluationSettings
{
    [Description("Dataset for the perplexity comparison.")]
    [JsonPropertyName("dataset")] public string Dataset { get; set; } = "wikitext2";
}
