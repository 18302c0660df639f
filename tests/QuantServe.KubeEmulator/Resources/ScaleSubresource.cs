namespace QuantServe.KubeEmulator.Resources;

/// <summary>Where a resource keeps what the autoscaling/v1 Scale view exposes (CRD scale subresource fields).</summary>
/// <param name="SpecReplicasPath">JSON path of the desired replicas, e.g. ".spec.replicas".</param>
/// <param name="StatusReplicasPath">JSON path of the observed replicas, e.g. ".status.replicas".</param>
/// <param name="LabelSelectorPath">JSON path of a serialized label selector string, or null.</param>
/// <param name="SelectorFromSpec">True for Deployments: the selector comes from spec.selector.matchLabels.</param>
internal sealed record ScaleSubresource(
    string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath, bool SelectorFromSpec = false);
