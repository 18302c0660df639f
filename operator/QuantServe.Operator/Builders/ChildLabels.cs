namespace QuantServe.Operator.Builders;

/// <summary>Labels on every child: the recommended app.kubernetes.io set plus ours, which also lets the
/// watches map a child (a pod, a kept claim without ownerReference) back to its InferenceService.</summary>
public static class ChildLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Instance = "app.kubernetes.io/instance";
    public const string Component = "app.kubernetes.io/component";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string InferenceService = "quantserve.dev/inference-service";
    public const string QuantizationJob = "quantserve.dev/quantization-job";
    public const string CalibrationHash = "quantserve.dev/calibration-hash";
    public const string OperatorName = "quantserve-operator";

    /// <summary>The pod selector of an InferenceService's Deployment (immutable once created).</summary>
    public static Dictionary<string, string> Selector(string inferenceService) => new()
    {
        [Name] = "quantserve",
        [InferenceService] = inferenceService,
    };

    public static string SelectorString(string inferenceService) =>
        string.Join(",", Selector(inferenceService).Select(p => $"{p.Key}={p.Value}"));

    public static Dictionary<string, string> ForInferenceService(string inferenceService, string component) => new()
    {
        [Name] = "quantserve",
        [Instance] = inferenceService,
        [Component] = component,
        [ManagedBy] = OperatorName,
        [InferenceService] = inferenceService,
    };

    public static Dictionary<string, string> ForQuantizationJob(string quantizationJob) => new()
    {
        [Name] = "quantserve",
        [Instance] = quantizationJob,
        [Component] = "calibration",
        [ManagedBy] = OperatorName,
        [QuantizationJob] = quantizationJob,
    };
}
