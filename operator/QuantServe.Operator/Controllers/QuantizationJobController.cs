using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using QuantServe.Operator.Builders;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Controllers;

/// <summary>Reconciles a QuantizationJob into its output claim and one batch Job, and reports the run's
/// phase, output path, perplexity and, on failure, the container's last log lines. The batch Job is
/// named after the QuantizationJob and never created again once the run is finished.</summary>
public sealed class QuantizationJobController(InformerFactory informers, ChildWriter writer, EventRecorder events,
    OperatorOptions options, ILogger<QuantizationJobController> logger) : IReconciler
{
    public const string Name = "quantizationjob";

    private Informer Jobs => informers.For(QuantServeResources.QuantizationJobs);
    private Informer BatchJobs => informers.For(KubeResource.Jobs, QuantServeResources.ManagedSelector);
    private Informer Claims => informers.For(KubeResource.PersistentVolumeClaims, QuantServeResources.ManagedSelector);

    public Controller CreateController(OperatorMetrics metrics, ILogger controllerLogger)
    {
        var controller = new Controller(Name, Jobs, this, options.Workers, options.ResyncPeriod, metrics, controllerLogger);
        controller.Watch(BatchJobs, Controller.ByControllerOwner(V1Alpha1QuantizationJob.EntityKind));
        controller.Watch(Claims, Controller.ByControllerOwner(V1Alpha1QuantizationJob.EntityKind));
        return controller;
    }

    public async Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct)
    {
        var raw = Jobs.Cache.Get(ns, name);
        if (raw is null) return ReconcileResult.Done;
        var job = KubeJson.FromNode<V1Alpha1QuantizationJob>(raw);
        if (job.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var old = job.Status;
        var finished = old?.Phase is QuantizationJobPhase.Succeeded or QuantizationJobPhase.Failed;
        var status = new QuantizationJobStatus
        {
            ObservedGeneration = job.Metadata.Generation,
            Phase = old?.Phase ?? QuantizationJobPhase.Pending,
            Conditions = old?.Conditions,
            OutputPath = old?.OutputPath,
            JobName = ChildNames.CalibrationJob(name),
            StartTime = old?.StartTime,
            CompletionTime = old?.CompletionTime,
            Perplexity = old?.Perplexity,
            LastProgress = old?.LastProgress,
        };

        if (CalibrationJobBuilder.BuildOutputClaim(job) is { } claim)
            await writer.EnsureAsync(KubeResource.PersistentVolumeClaims, KubeJson.ToNode(claim), Claims.Cache.Get(ns, claim.Metadata.Name), ct, createOnly: true);

        var batchRaw = BatchJobs.Cache.Get(ns, status.JobName);
        var requeue = ReconcileResult.Done;
        if (batchRaw is null)
        {
            // A finished run is never started again, even if its Job was deleted.
            if (!finished)
            {
                await writer.EnsureAsync(KubeResource.Jobs, KubeJson.ToNode(CalibrationJobBuilder.Build(job, options.DefaultImage)), null, ct, createOnly: true);
                status.Phase = QuantizationJobPhase.Pending;
            }
        }
        else if (!finished)
        {
            var batch = KubeJson.FromNode<V1Job>(batchRaw);
            var jobConditions = batch.Status?.Conditions ?? [];
            status.StartTime ??= batch.Status?.StartTime;
            if (jobConditions.Any(c => c.Type == "Complete" && c.Status == "True"))
            {
                status.Phase = QuantizationJobPhase.Succeeded;
                status.CompletionTime = batch.Status?.CompletionTime ?? DateTime.UtcNow;
                status.OutputPath = $"{ModelSource.PvcScheme}{CalibrationJobBuilder.OutputClaimName(job)}/{CalibrationJobBuilder.OutputPath(job)}";
                var message = await TerminationMessageAsync(ns, name, ct);
                status.Perplexity = ParsePerplexity(message);
            }
            else if (jobConditions.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True") is { } failed)
            {
                status.Phase = QuantizationJobPhase.Failed;
                status.CompletionTime = DateTime.UtcNow;
                var lastLines = await TerminationMessageAsync(ns, name, ct);
                status.Conditions = Conditions.Set(status.Conditions, "Failed", true, failed.Reason ?? "BackoffLimitExceeded",
                    $"{failed.Message ?? "the calibration Job failed"}{(lastLines is null ? "" : "; last output: " + lastLines.Trim())}", job.Metadata.Generation);
            }
            else
            {
                status.Phase = (batch.Status?.Active ?? 0) > 0 ? QuantizationJobPhase.Running : QuantizationJobPhase.Pending;
                if (status.Phase == QuantizationJobPhase.Running)
                    status.LastProgress = await LastProgressAsync(ns, name, ct) ?? status.LastProgress;
                requeue = ReconcileResult.After(TimeSpan.FromSeconds(30));
            }
        }

        var generation = job.Metadata.Generation;
        var running = status.Phase is QuantizationJobPhase.Pending or QuantizationJobPhase.Running;
        status.Conditions = Conditions.Set(status.Conditions, "Progressing", running, status.Phase.ToString()!,
            running ? $"calibration Job {status.JobName} is {status.Phase}" : $"calibration Job {status.JobName} finished", generation);
        status.Conditions = Conditions.Set(status.Conditions, "Complete", status.Phase == QuantizationJobPhase.Succeeded,
            status.Phase.ToString()!, status.Phase == QuantizationJobPhase.Succeeded ? $"weights at {status.OutputPath}" : "", generation);
        if (status.Phase != QuantizationJobPhase.Failed)
            status.Conditions = Conditions.Set(status.Conditions, "Failed", false, "AsExpected", "", generation);

        var newJson = KubeJson.ToNode(new V1Alpha1QuantizationJob { Status = status })["status"];
        var oldJson = old is null ? null : KubeJson.ToNode(new V1Alpha1QuantizationJob { Status = old })["status"];
        if (!JsonNode.DeepEquals(newJson, oldJson))
        {
            var updated = (JsonObject)raw.DeepClone();
            updated["status"] = newJson?.DeepClone();
            await informers.Api.ReplaceStatusAsync(QuantServeResources.QuantizationJobs, updated, ct);
            if (old?.Phase != status.Phase)
            {
                var failedMessage = Conditions.Find(status.Conditions, "Failed")?.Message;
                await events.RecordAsync(raw, status.Phase == QuantizationJobPhase.Failed ? "Warning" : "Normal", status.Phase.ToString()!,
                    status.Phase == QuantizationJobPhase.Failed ? failedMessage ?? "" : $"calibration Job {status.JobName} is {status.Phase}", ct);
                logger.LogInformation("QuantizationJob {Namespace}/{Name}: {Old} -> {New}", ns, name, old?.Phase, status.Phase);
            }
        }
        return requeue;
    }

    /// <summary>The termination message of the Job's last terminated pod: the result JSON on success,
    /// the last log lines on failure (FallbackToLogsOnError).</summary>
    private async Task<string?> TerminationMessageAsync(string ns, string name, CancellationToken ct)
    {
        var (pods, _) = await informers.Api.ListAsync(KubeResource.Pods, ns, $"{ChildLabels.QuantizationJob}={name}", ct);
        return pods
            .SelectMany(p => (p["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
            .Select(s => s["state"]?["terminated"] ?? s["lastState"]?["terminated"])
            .Where(t => t is not null)
            .OrderBy(t => t!["finishedAt"]?.GetValue<string>() ?? "", StringComparer.Ordinal)
            .Select(t => t!["message"]?.GetValue<string>())
            .LastOrDefault(m => !string.IsNullOrEmpty(m));
    }

    private async Task<string?> LastProgressAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            var (pods, _) = await informers.Api.ListAsync(KubeResource.Pods, ns, $"{ChildLabels.QuantizationJob}={name}", ct);
            var running = pods.FirstOrDefault(p => p["status"]?["phase"]?.GetValue<string>() == "Running");
            if (running is null) return null;
            var tail = await informers.Api.TailLogAsync(ns, KubeApi.Name(running), 1, ct);
            return tail?.Trim() is { Length: > 0 } line ? line[..Math.Min(line.Length, 512)] : null;
        }
        catch (KubeApiException)
        {
            return null; // progress is a nicety; the phase does not depend on it
        }
    }

    /// <summary>Reads {"perplexity":{"base":..,"quantized":..}} from the result JSON; null when absent or malformed.</summary>
    internal static PerplexityResult? ParsePerplexity(string? message)
    {
        if (string.IsNullOrWhiteSpace(message)) return null;
        try
        {
            var node = JsonNode.Parse(message)?["perplexity"] as JsonObject;
            if (node?["base"] is null || node["quantized"] is null) return null;
            return new PerplexityResult { Base = node["base"]!.GetValue<double>(), Quantized = node["quantized"]!.GetValue<double>() };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
