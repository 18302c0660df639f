using System.Globalization;
using k8s.Models;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Builders;

/// <summary>The batch Job (and, when needed, the output claim) of a QuantizationJob. The container
/// quantizes into a temporary directory, evaluates, and only then moves the result into place, so a
/// half-written directory is never mistaken for a finished one. Results go to the termination message
/// (JSON); on failure Kubernetes puts the last log lines there instead (FallbackToLogsOnError).</summary>
public static class CalibrationJobBuilder
{
    public const string OutputMountPath = "/output";
    public const string ContainerName = "quantize";
    public const string DefaultOutputSize = "50Gi";

    // The values travel as environment variables, never spliced into the script: no quoting bugs.
    private const string Script = """
        set -eu
        out="/output/$OUTPUT_PATH"
        tmp="$out.partial"
        rm -rf "$tmp"
        mkdir -p "$(dirname "$out")"
        set -- --revision "$MODEL_REVISION" --bits "$BITS" --groupsize "$GROUP_SIZE" --percdamp "$PERCDAMP" \
          --dataset "$DATASET" --nsamples "$NSAMPLES" --seqlen "$SEQLEN" --seed "$SEED" --json-output
        if [ "$ACT_ORDER" = "true" ]; then set -- "$@" --act-order; fi
        if [ "$SYM" = "false" ]; then set -- "$@" --no-sym; fi
        quantserve quantize "$MODEL_ID" "$tmp" "$@"
        result='{}'
        if [ -n "${EVALUATE_DATASET:-}" ]; then
          # `evaluate --json` prints {"perplexity": p, ...}: the same text, base model against quantized.
          ppl() { sed -E 's/.*"perplexity": *([-+0-9.eE]+).*/\1/'; }
          base=$(quantserve evaluate --model-id "$MODEL_ID" --revision "$MODEL_REVISION" --dataset "$EVALUATE_DATASET" --seqlen "$SEQLEN" --json | ppl)
          quantized=$(quantserve evaluate --model-id "$tmp" --dataset "$EVALUATE_DATASET" --seqlen "$SEQLEN" --json | ppl)
          result="{\"base\":$base,\"quantized\":$quantized}"
        fi
        rm -rf "$out"
        mv "$tmp" "$out"
        printf '{"outputPath":"%s","perplexity":%s}' "$OUTPUT_PATH" "$result" > /dev/termination-log
        """;

    /// <summary>Claim the Job writes to: the given one, or the one <see cref="BuildOutputClaim"/> makes.</summary>
    public static string OutputClaimName(V1Alpha1QuantizationJob job) =>
        job.Spec.Output?.ClaimName ?? ChildNames.QuantizationOutputClaim(job.Metadata.Name);

    /// <summary>Directory inside the output claim.</summary>
    public static string OutputPath(V1Alpha1QuantizationJob job) =>
        job.Spec.Output?.Path ?? "quantized/" + job.Metadata.Name;

    /// <summary>Null when the spec names an existing claim.</summary>
    public static V1PersistentVolumeClaim? BuildOutputClaim(V1Alpha1QuantizationJob job)
    {
        if (job.Spec.Output?.ClaimName is not null) return null;
        return new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta
            {
                Name = OutputClaimName(job),
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = ChildLabels.ForQuantizationJob(job.Metadata.Name),
                OwnerReferences = [OwnerReferences.ControllerOf(job)],
            },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                StorageClassName = job.Spec.Output?.StorageClassName,
                Resources = new V1VolumeResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(job.Spec.Output?.Size ?? DefaultOutputSize) },
                },
            },
        };
    }

    public static V1Job Build(V1Alpha1QuantizationJob job, string defaultImage)
    {
        var spec = job.Spec;
        var inv = CultureInfo.InvariantCulture;
        var labels = ChildLabels.ForQuantizationJob(job.Metadata.Name);
        var env = new List<V1EnvVar>
        {
            new() { Name = "MODEL_ID", Value = spec.Model.Id },
            new() { Name = "MODEL_REVISION", Value = spec.Model.Revision },
            new() { Name = "OUTPUT_PATH", Value = OutputPath(job) },
            new() { Name = "BITS", Value = spec.Bits.ToString(inv) },
            new() { Name = "GROUP_SIZE", Value = spec.GroupSize.ToString(inv) },
            new() { Name = "ACT_ORDER", Value = spec.ActOrder ? "true" : "false" },
            new() { Name = "SYM", Value = spec.Sym ? "true" : "false" },
            new() { Name = "PERCDAMP", Value = spec.Percdamp.ToString("R", inv) },
            new() { Name = "DATASET", Value = spec.Dataset },
            new() { Name = "NSAMPLES", Value = spec.Nsamples.ToString(inv) },
            new() { Name = "SEQLEN", Value = spec.Seqlen.ToString(inv) },
            new() { Name = "SEED", Value = spec.Seed.ToString(inv) },
            new() { Name = "EVALUATE_DATASET", Value = spec.Evaluate?.Dataset ?? "" },
            new() { Name = "HF_HOME", Value = "/tmp/hf" },
        };
        if (spec.Model.TokenSecretRef is { } token) env.Add(DeploymentBuilder.SecretEnv("HF_TOKEN", token));

        var gpuResource = spec.Gpu?.ResourceName ?? GpuSettings.DefaultResourceName;
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = ChildNames.CalibrationJob(job.Metadata.Name),
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [OwnerReferences.ControllerOf(job)],
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = spec.BackoffLimit,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = 1000,
                            RunAsGroup = 1000,
                            FsGroup = 1000,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        NodeSelector = DeploymentBuilder.MergeNodeSelectors(spec.NodeSelector, spec.Gpu?.NodeSelector),
                        Tolerations = spec.Tolerations,
                        Volumes =
                        [
                            new V1Volume { Name = "output", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = OutputClaimName(job) } },
                            new V1Volume { Name = "shm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
                            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = ContainerName,
                                Image = spec.Image ?? defaultImage,
                                Command = ["/bin/sh", "-c", Script],
                                Env = env,
                                Resources = DeploymentBuilder.Resources(spec.Resources, gpuResource, 1),
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = "output", MountPath = OutputMountPath },
                                    new V1VolumeMount { Name = "shm", MountPath = "/dev/shm" },
                                    new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
                                ],
                                TerminationMessagePolicy = "FallbackToLogsOnError",
                                SecurityContext = DeploymentBuilder.LockedDownContainer(),
                            },
                        ],
                    },
                },
            },
        };
    }
}
