namespace QuantServe.Operator.Crds;

/// <summary>Turns on the scale subresource, so HPA/KEDA and `kubectl scale` can drive replicas.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ScaleSubresourceAttribute(string specReplicasPath, string statusReplicasPath, string labelSelectorPath) : Attribute
{
    public string SpecReplicasPath { get; } = specReplicasPath;
    public string StatusReplicasPath { get; } = statusReplicasPath;
    public string LabelSelectorPath { get; } = labelSelectorPath;
}
