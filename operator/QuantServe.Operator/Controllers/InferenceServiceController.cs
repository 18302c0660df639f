using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using QuantServe.Operator.Builders;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Controllers;

/// <summary>Reconciles an InferenceService into its cache claim, optional QuantizationJob, Deployment and
/// Service, and reports status (phase, conditions Ready/Progressing/Degraded/Quantized, replicas, url).</summary>
public sealed class InferenceServiceController(InformerFactory informers, ChildWriter writer, EventRecorder events,
    OperatorOptions options, ILogger<InferenceServiceController> logger) : IReconciler
{
    public const string Name = "inferenceservice";

    private Informer Services => informers.For(QuantServeResources.InferenceServices);
    private Informer Deployments => informers.For(KubeResource.Deployments, QuantServeResources.ManagedSelector);
    private Informer KubeServices => informers.For(KubeResource.Services, QuantServeResources.ManagedSelector);
    private Informer Claims => informers.For(KubeResource.PersistentVolumeClaims, QuantServeResources.ManagedSelector);
    private Informer QuantizationJobs => informers.For(QuantServeResources.QuantizationJobs);
    private Informer Pods => informers.For(KubeResource.Pods, QuantServeResources.ManagedSelector);

    /// <summary>Builds the controller and wires the child watches that requeue the owning InferenceService.</summary>
    public Controller CreateController(OperatorMetrics metrics, ILogger controllerLogger)
    {
        var controller = new Controller(Name, Services, this, options.Workers, options.ResyncPeriod, metrics, controllerLogger);
        controller.Watch(Deployments, Controller.ByControllerOwner(V1Alpha1InferenceService.EntityKind));
        controller.Watch(KubeServices, Controller.ByControllerOwner(V1Alpha1InferenceService.EntityKind));
        controller.Watch(Claims, Controller.ByLabel(ChildLabels.InferenceService));
        controller.Watch(QuantizationJobs, Controller.ByControllerOwner(V1Alpha1InferenceService.EntityKind));
        controller.Watch(Pods, Controller.ByLabel(ChildLabels.InferenceService));
        return controller;
    }

    public async Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct)
    {
        var raw = Services.Cache.Get(ns, name);
        if (raw is null) return ReconcileResult.Done; // deleted: ownerReferences let the garbage collector clean up
        var service = KubeJson.FromNode<V1Alpha1InferenceService>(raw);
        if (service.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var generation = service.Metadata.Generation;
        var spec = service.Spec;

        // 1. The model cache claim.
        var claimName = ModelCacheClaimBuilder.ClaimName(service);
        if (ModelCacheClaimBuilder.Build(service) is { } claim)
            await writer.EnsureAsync(KubeResource.PersistentVolumeClaims, KubeJson.ToNode(claim), Claims.Cache.Get(ns, claim.Metadata.Name), ct, createOnly: true);

        // 2. Calibration, when asked: serving waits for it.
        var calibration = CalibrationState.NotRequired;
        string? quantizedPath = null;
        string? quantizationJobName = null;
        var calibrationMessage = $"quantize {DeploymentBuilder.QuantizeName(spec.Quantize)} needs no calibration";
        if (spec.Quantize == QuantizeScheme.Gptq && spec.Quantization is { Calibrate: true } settings)
        {
            var desiredJob = QuantizationJobBuilder.Build(service, claimName);
            quantizationJobName = desiredJob.Metadata.Name;
            var actualJob = QuantizationJobs.Cache.Get(ns, quantizationJobName);
            if (actualJob is null)
            {
                await writer.EnsureAsync(QuantServeResources.QuantizationJobs, KubeJson.ToNode(desiredJob), null, ct, createOnly: true);
                (calibration, calibrationMessage) = (CalibrationState.Running, $"created QuantizationJob {quantizationJobName}");
            }
            else
            {
                (calibration, calibrationMessage, quantizedPath) = Evaluate(KubeJson.FromNode<V1Alpha1QuantizationJob>(actualJob), settings, claimName);
            }
        }

        // 3. The Deployment: rolled out only when its model is ready. A blocked rollout leaves the
        //    previous Deployment serving.
        var deploymentRaw = Deployments.Cache.Get(ns, ChildNames.Deployment(name));
        var wroteDeployment = false;
        var blocked = calibration is CalibrationState.Running or CalibrationState.Failed or CalibrationState.GateFailed;
        if (!blocked)
        {
            var desired = DeploymentBuilder.Build(service, claimName, quantizedPath, options.DefaultImage);
            wroteDeployment = await writer.EnsureAsync(KubeResource.Deployments, KubeJson.ToNode(desired), deploymentRaw, ct);
        }

        // 4. The Service.
        var desiredService = ServiceBuilder.Build(service);
        await writer.EnsureAsync(KubeResource.Services, KubeJson.ToNode(desiredService), KubeServices.Cache.Get(ns, desiredService.Metadata.Name), ct);

        // 5. Status.
        var deployment = deploymentRaw is null ? null : KubeJson.FromNode<V1Deployment>(deploymentRaw);
        var status = ComputeStatus(service, deployment, wroteDeployment, calibration, calibrationMessage, UnschedulableMessage(ns, name));
        status.QuantizationJobName = quantizationJobName;
        status.QuantizedModel = quantizedPath is null ? null : $"{ModelSource.PvcScheme}{claimName}/{quantizedPath}";
        await WriteStatusAsync(raw, service.Status, status, ct);

        return status.Phase is InferenceServicePhase.Quantizing or InferenceServicePhase.Deploying
            ? ReconcileResult.After(TimeSpan.FromSeconds(60))
            : ReconcileResult.Done;
    }

    internal enum CalibrationState { NotRequired, Running, Succeeded, Failed, GateFailed }

    private static (CalibrationState, string, string?) Evaluate(V1Alpha1QuantizationJob job, GptqCalibration settings, string claimName)
    {
        var status = job.Status;
        switch (status?.Phase)
        {
            case QuantizationJobPhase.Succeeded:
                var path = QuantizationJobBuilder.OutputPath(CalibrationHash.Compute(job.Spec.Model, settings));
                if (settings.MaxPerplexityIncreasePercent is { } limit)
                {
                    if (status.Perplexity is not { } perplexity)
                        return (CalibrationState.GateFailed, $"QuantizationJob {job.Metadata.Name} reported no perplexity; the quality gate cannot pass", null);
                    var increase = perplexity.IncreasePercent;
                    if (!(increase <= limit))
                        return (CalibrationState.GateFailed,
                            $"perplexity {perplexity.Quantized:0.###} vs base {perplexity.Base:0.###} (+{increase:0.##}%) exceeds maxPerplexityIncreasePercent {limit:0.##}", null);
                    return (CalibrationState.Succeeded, $"calibrated weights at pvc://{claimName}/{path}; perplexity +{increase:0.##}% (limit {limit:0.##}%)", path);
                }
                return (CalibrationState.Succeeded, $"calibrated weights at pvc://{claimName}/{path}", path);
            case QuantizationJobPhase.Failed:
                var reason = Conditions.Find(status.Conditions, "Failed")?.Message ?? "calibration failed";
                return (CalibrationState.Failed, $"QuantizationJob {job.Metadata.Name} failed: {reason}", null);
            default:
                var progress = status?.LastProgress is { Length: > 0 } line ? ": " + line : "";
                return (CalibrationState.Running, $"QuantizationJob {job.Metadata.Name} is {status?.Phase ?? QuantizationJobPhase.Pending}{progress}", null);
        }
    }

    internal static InferenceServiceStatus ComputeStatus(V1Alpha1InferenceService service, V1Deployment? deployment, bool wroteDeployment,
        CalibrationState calibration, string calibrationMessage, string? unschedulable)
    {
        var generation = service.Metadata.Generation;
        var desired = service.Spec.Replicas;
        var depStatus = deployment?.Status;
        var rolledOut = deployment is not null && !wroteDeployment
            && (depStatus?.ObservedGeneration ?? 0) >= (deployment.Metadata.Generation ?? 0)
            && (depStatus?.UpdatedReplicas ?? 0) >= desired
            && (depStatus?.AvailableReplicas ?? 0) >= desired
            && (depStatus?.Replicas ?? 0) <= desired
            && (deployment.Spec?.Replicas ?? desired) == desired;
        var deadlineExceeded = depStatus?.Conditions?.FirstOrDefault(c => c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded");

        var status = new InferenceServiceStatus
        {
            ObservedGeneration = generation,
            Url = ServiceBuilder.Url(service),
            Replicas = depStatus?.Replicas ?? 0,
            ReadyReplicas = depStatus?.ReadyReplicas ?? 0,
            Selector = ChildLabels.SelectorString(service.Metadata.Name),
        };
        var conditions = service.Status?.Conditions;

        var quantized = calibration is CalibrationState.NotRequired or CalibrationState.Succeeded;
        var quantizedReason = calibration switch
        {
            CalibrationState.NotRequired => "NoCalibration",
            CalibrationState.Succeeded => "Calibrated",
            CalibrationState.Running => "Calibrating",
            CalibrationState.GateFailed => "QualityGateFailed",
            _ => "CalibrationFailed",
        };
        conditions = Conditions.Set(conditions, "Quantized", quantized, quantizedReason, calibrationMessage, generation);

        string readyReason, readyMessage;
        bool degraded;
        string degradedReason, degradedMessage;
        if (calibration is CalibrationState.Failed or CalibrationState.GateFailed)
        {
            status.Phase = InferenceServicePhase.Failed;
            readyReason = quantizedReason;
            var serving = (depStatus?.AvailableReplicas ?? 0) > 0 ? " The previous rollout keeps serving." : "";
            readyMessage = calibrationMessage + "." + serving;
            (degraded, degradedReason, degradedMessage) = (true, quantizedReason, readyMessage);
        }
        else if (calibration is CalibrationState.Running)
        {
            status.Phase = InferenceServicePhase.Quantizing;
            (readyReason, readyMessage) = ("Calibrating", calibrationMessage);
            (degraded, degradedReason, degradedMessage) = (false, "AsExpected", "");
        }
        else if (rolledOut)
        {
            status.Phase = InferenceServicePhase.Ready;
            (readyReason, readyMessage) = ("Available", $"{depStatus?.AvailableReplicas ?? 0}/{desired} replicas available");
            (degraded, degradedReason, degradedMessage) = (false, "AsExpected", "");
        }
        else
        {
            status.Phase = InferenceServicePhase.Deploying;
            readyReason = unschedulable is null ? "Deploying" : "Unschedulable";
            readyMessage = unschedulable is null
                ? $"{depStatus?.UpdatedReplicas ?? 0} updated, {depStatus?.AvailableReplicas ?? 0}/{desired} available"
                : "pods cannot be scheduled: " + unschedulable;
            (degraded, degradedReason, degradedMessage) = deadlineExceeded is not null
                ? (true, "ProgressDeadlineExceeded", deadlineExceeded.Message ?? "rollout is stuck")
                : unschedulable is not null ? (true, "Unschedulable", readyMessage) : (false, "AsExpected", "");
        }
        var ready = status.Phase == InferenceServicePhase.Ready;
        conditions = Conditions.Set(conditions, "Ready", ready, readyReason, readyMessage, generation);
        var progressing = status.Phase is InferenceServicePhase.Quantizing or InferenceServicePhase.Deploying;
        conditions = Conditions.Set(conditions, "Progressing", progressing, progressing ? readyReason : ready ? "RolledOut" : readyReason,
            progressing ? readyMessage : ready ? "rollout complete" : readyMessage, generation);
        conditions = Conditions.Set(conditions, "Degraded", degraded, degradedReason, degradedMessage, generation);
        status.Conditions = conditions;
        return status;
    }

    private string? UnschedulableMessage(string ns, string name)
    {
        foreach (var pod in Pods.Cache.List())
        {
            if (KubeApi.Namespace(pod) != ns || pod["metadata"]?["labels"]?[ChildLabels.InferenceService]?.GetValue<string>() != name) continue;
            var condition = (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(c => c["type"]?.GetValue<string>() == "PodScheduled" && c["status"]?.GetValue<string>() == "False");
            if (condition is not null)
                return $"pod {KubeApi.Name(pod)}: {condition["message"]?.GetValue<string>() ?? condition["reason"]?.GetValue<string>() ?? "Unschedulable"}";
        }
        return null;
    }

    private async Task WriteStatusAsync(JsonObject raw, InferenceServiceStatus? old, InferenceServiceStatus status, CancellationToken ct)
    {
        var newJson = KubeJson.ToNode(new V1Alpha1InferenceService { Status = status })["status"];
        var oldJson = old is null ? null : KubeJson.ToNode(new V1Alpha1InferenceService { Status = old })["status"];
        if (JsonNode.DeepEquals(newJson, oldJson)) return;
        var updated = (JsonObject)raw.DeepClone();
        updated["status"] = newJson?.DeepClone();
        await informers.Api.ReplaceStatusAsync(QuantServeResources.InferenceServices, updated, ct);
        if (old?.Phase != status.Phase)
        {
            var warning = status.Phase == InferenceServicePhase.Failed;
            var ready = Conditions.Find(status.Conditions, "Ready");
            await events.RecordAsync(raw, warning ? "Warning" : "Normal", status.Phase.ToString()!, ready?.Message ?? "", ct);
            logger.LogInformation("InferenceService {Namespace}/{Name}: {Old} -> {New}", KubeApi.Namespace(raw), KubeApi.Name(raw), old?.Phase, status.Phase);
        }
    }
}
