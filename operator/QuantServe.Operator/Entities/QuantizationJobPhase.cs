using System.Text.Json.Serialization;

namespace QuantServe.Operator.Entities;

[JsonConverter(typeof(JsonStringEnumConverter<QuantizationJobPhase>))]
public enum QuantizationJobPhase
{
    Pending,
    Running,
    Succeeded,
    Failed,
}
