using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Controllers;

/// <summary>Our two custom resources as REST resources.</summary>
public static class QuantServeResources
{
    public static readonly KubeResource InferenceServices = new(V1Alpha1InferenceService.Group, V1Alpha1InferenceService.Version,
        V1Alpha1InferenceService.Plural, V1Alpha1InferenceService.EntityKind);

    public static readonly KubeResource QuantizationJobs = new(V1Alpha1InferenceService.Group, V1Alpha1InferenceService.Version,
        V1Alpha1QuantizationJob.Plural, V1Alpha1QuantizationJob.EntityKind);

    /// <summary>Child informers only cache what the operator made.</summary>
    public const string ManagedSelector = Builders.ChildLabels.ManagedBy + "=" + Builders.ChildLabels.OperatorName;
}
