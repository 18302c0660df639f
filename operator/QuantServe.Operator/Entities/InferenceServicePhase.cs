using System.Text.Json.Serialization;

namespace QuantServe.Operator.Entities;

/// <summary>The one-word summary `kubectl get` shows; conditions carry the detail.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InferenceServicePhase>))]
public enum InferenceServicePhase
{
    Pending,
    Quantizing,
    Deploying,
    Ready,
    Failed,
}
