using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("Limits of the serving process (TGI launcher options).")]
[CelRule("!has(self.maxInputTokens) || !has(self.maxTotalTokens) || self.maxInputTokens < self.maxTotalTokens",
    "maxInputTokens must be below maxTotalTokens", FieldPath = ".maxInputTokens")]
public sealed class ServerSettings
{
    [Range(1, int.MaxValue), Description("--max-input-tokens.")]
    [JsonPropertyName("maxInputTokens")] public int? MaxInputTokens { get; set; }

    [Range(1, int.MaxValue), Description("--max-total-tokens.")]
    [JsonPropertyName("maxTotalTokens")] public int? MaxTotalTokens { get; set; }

    [Range(1, int.MaxValue), Description("--max-concurrent-requests (429 beyond it).")]
    [JsonPropertyName("maxConcurrentRequests")] public int? MaxConcurrentRequests { get; set; }

    [Range(1, int.MaxValue), Description("--max-batch-prefill-tokens.")]
    [JsonPropertyName("maxBatchPrefillTokens")] public int? MaxBatchPrefillTokens { get; set; }

    [Range(1, int.MaxValue), Description("--max-batch-total-tokens.")]
    [JsonPropertyName("maxBatchTotalTokens")] public int? MaxBatchTotalTokens { get; set; }

    [Range(1, int.MaxValue), Description("--max-client-batch-size.")]
    [JsonPropertyName("maxClientBatchSize")] public int? MaxClientBatchSize { get; set; }

    [Description("Secret key holding the API key (--api-key); requests then need a Bearer token.")]
    [JsonPropertyName("apiKeySecretRef")] public SecretKeyReference? ApiKeySecretRef { get; set; }
}
