using System.Globalization;
using k8s.Models;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Builders;

/// <summary>The serving Deployment of an InferenceService: a pure function of the resource, the model
/// location and the operator's default image.</summary>
public static class DeploymentBuilder
{
    public const int ContainerPort = 8080;
    public const string CacheMountPath = "/data";
    public const string SourceModelMountPath = "/models";
    public const string ContainerName = "server";
    private const int ProbePeriodSeconds = 10;

    /// <param name="service">The InferenceService (defaults applied).</param>
    /// <param name="cacheClaim">The claim mounted as HF_HOME.</param>
    /// <param name="quantizedModelPath">Path of calibrated weights inside the cache claim, or null to serve spec.model.</param>
    /// <param name="defaultImage">Image when the spec names none.</param>
    public static V1Deployment Build(V1Alpha1InferenceService service, string cacheClaim, string? quantizedModelPath, string defaultImage)
    {
        var spec = service.Spec;
        var name = service.Metadata.Name;
        var labels = ChildLabels.ForInferenceService(name, "server");
        var gpuResource = spec.Gpu?.ResourceName ?? GpuSettings.DefaultResourceName;

        var volumes = new List<V1Volume>
        {
            new() { Name = "model-cache", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = cacheClaim } },
            // NCCL and the tensor-parallel shards exchange through /dev/shm; the container default is 64 MiB.
            new() { Name = "shm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
            // The root filesystem is read-only; the runtime still needs a writable /tmp.
            new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
        };
        var mounts = new List<V1VolumeMount>
        {
            new() { Name = "model-cache", MountPath = CacheMountPath },
            new() { Name = "shm", MountPath = "/dev/shm" },
            new() { Name = "tmp", MountPath = "/tmp" },
        };

        string modelId;
        if (quantizedModelPath is not null)
        {
            modelId = CacheMountPath + "/" + quantizedModelPath;
        }
        else if (spec.Model.IsOnClaim)
        {
            volumes.Add(new V1Volume
            {
                Name = "model-source",
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = spec.Model.ClaimName, ReadOnlyProperty = true },
            });
            mounts.Add(new V1VolumeMount { Name = "model-source", MountPath = SourceModelMountPath, ReadOnlyProperty = true });
            modelId = SourceModelMountPath + "/" + spec.Model.PathInClaim;
        }
        else
        {
            modelId = spec.Model.Id;
        }

        var env = new List<V1EnvVar>
        {
            new() { Name = "HF_HOME", Value = CacheMountPath },
            new() { Name = "HUGGINGFACE_HUB_CACHE", Value = CacheMountPath + "/hub" },
        };
        if (spec.Model.TokenSecretRef is { } token)
            env.Add(SecretEnv("HF_TOKEN", token));
        if (spec.Server?.ApiKeySecretRef is { } apiKey)
            env.Add(SecretEnv("API_KEY", apiKey));
        if (spec.Env is not null) env.AddRange(spec.Env);

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                Name = ChildNames.Deployment(name),
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [OwnerReferences.ControllerOf(service)],
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = spec.Replicas,
                Selector = new V1LabelSelector { MatchLabels = ChildLabels.Selector(name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = 1000,
                            RunAsGroup = 1000,
                            FsGroup = 1000,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        // Loading weights can take minutes; give in-flight requests time to finish.
                        TerminationGracePeriodSeconds = 60,
                        NodeSelector = MergeNodeSelectors(spec.NodeSelector, spec.Gpu?.NodeSelector),
                        Tolerations = spec.Tolerations,
                        Affinity = spec.Affinity,
                        Volumes = volumes,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = ContainerName,
                                Image = spec.Image ?? defaultImage,
                                Command = ["quantserve"],
                                Args = ServeArguments(spec, modelId, quantizedModelPath is not null),
                                Ports = [new V1ContainerPort { Name = "http", ContainerPort = ContainerPort, Protocol = "TCP" }],
                                Env = env,
                                Resources = Resources(spec.Resources, gpuResource, spec.Shards),
                                VolumeMounts = mounts,
                                StartupProbe = HealthProbe(ProbePeriodSeconds, (int)Math.Ceiling(spec.StartupTimeoutSeconds / (double)ProbePeriodSeconds)),
                                ReadinessProbe = HealthProbe(ProbePeriodSeconds, 3),
                                LivenessProbe = HealthProbe(30, 3),
                                SecurityContext = LockedDownContainer(),
                            },
                        ],
                    },
                },
            },
        };
    }

    /// <summary>The `quantserve serve` arguments (TGI launcher flags).</summary>
    public static List<string> ServeArguments(InferenceServiceSpec spec, string modelId, bool calibrated)
    {
        var inv = CultureInfo.InvariantCulture;
        var args = new List<string> { "serve", "--model-id", modelId };
        if (!calibrated && !spec.Model.IsOnClaim && spec.Model.Revision != "main") args.AddRange(["--revision", spec.Model.Revision]);
        if (spec.Quantize != QuantizeScheme.None) args.AddRange(["--quantize", QuantizeName(spec.Quantize)]);
        args.AddRange(["--num-shard", spec.Shards.ToString(inv)]);
        if (spec.Shards > 1) args.Add("--sharded");
        args.AddRange(["--port", ContainerPort.ToString(inv), "--hostname", "0.0.0.0"]);
        if (spec.Dtype is not null) args.AddRange(["--dtype", spec.Dtype]);
        if (spec.Server is { } server)
        {
            Add(args, "--max-input-tokens", server.MaxInputTokens);
            Add(args, "--max-total-tokens", server.MaxTotalTokens);
            Add(args, "--max-concurrent-requests", server.MaxConcurrentRequests);
            Add(args, "--max-batch-prefill-tokens", server.MaxBatchPrefillTokens);
            Add(args, "--max-batch-total-tokens", server.MaxBatchTotalTokens);
            Add(args, "--max-client-batch-size", server.MaxClientBatchSize);
            // Kubernetes expands $(API_KEY) from the container's environment (set from the Secret).
            if (server.ApiKeySecretRef is not null) args.AddRange(["--api-key", "$(API_KEY)"]);
        }
        return args;
    }

    /// <summary>The scheme's wire name (bitsandbytes-nf4, ...).</summary>
    public static string QuantizeName(QuantizeScheme scheme) =>
        System.Text.Json.JsonSerializer.Serialize(scheme).Trim('"');

    internal static V1EnvVar SecretEnv(string name, SecretKeyReference reference) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = reference.Name, Key = reference.Key } },
    };

    internal static IDictionary<string, string>? MergeNodeSelectors(IDictionary<string, string>? first, IDictionary<string, string>? second)
    {
        if (first is null && second is null) return null;
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { first, second })
            if (source is not null)
                foreach (var (key, value) in source) merged[key] = value;
        return new Dictionary<string, string>(merged);
    }

    /// <summary>The user's resources with the GPU count set as limit and request (extended resources
    /// must have equal requests and limits).</summary>
    internal static V1ResourceRequirements Resources(V1ResourceRequirements? user, string gpuResource, int gpus)
    {
        var limits = new Dictionary<string, ResourceQuantity>(user?.Limits ?? new Dictionary<string, ResourceQuantity>());
        var requests = new Dictionary<string, ResourceQuantity>(user?.Requests ?? new Dictionary<string, ResourceQuantity>());
        limits[gpuResource] = new ResourceQuantity(gpus.ToString(CultureInfo.InvariantCulture));
        requests[gpuResource] = new ResourceQuantity(gpus.ToString(CultureInfo.InvariantCulture));
        return new V1ResourceRequirements
        {
            Limits = limits.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(),
            Requests = requests.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(),
        };
    }

    internal static V1SecurityContext LockedDownContainer() => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    private static V1Probe HealthProbe(int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = "/health", Port = "http" },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 5,
    };

    private static void Add(List<string> args, string flag, int? value)
    {
        if (value is { } v) args.AddRange([flag, v.ToString(CultureInfo.InvariantCulture)]);
    }
}
