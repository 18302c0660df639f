using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging;
using QuantServe.KubeEmulator;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Crds;
using QuantServe.Operator.Runtime;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Integration;

/// <summary>An emulated API server with our CRDs installed, a kubeconfig pointing at it, and operator
/// instances running in the background. The test plays the user (creates resources through the API) and
/// the kubelet (marks Deployments available and Jobs finished).</summary>
public sealed class OperatorTestEnvironment : IAsyncDisposable
{
    private readonly List<(OperatorHost Host, CancellationTokenSource Stop, Task Run)> operators = [];
    private readonly string directory;

    private OperatorTestEnvironment(KubeApiEmulator emulator, string directory, string kubeconfig)
    {
        Emulator = emulator;
        this.directory = directory;
        Kubeconfig = kubeconfig;
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        Api = new KubeApi(new Kubernetes(config));
    }

    public KubeApiEmulator Emulator { get; }
    public string Kubeconfig { get; }

    /// <summary>A client for the test's own calls (the "user").</summary>
    public KubeApi Api { get; }

    public static async Task<OperatorTestEnvironment> StartAsync()
    {
        var emulator = await KubeApiEmulator.StartAsync();
        var dir = Directory.CreateTempSubdirectory("quantserve-operator-").FullName;
        var kubeconfig = emulator.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
        var environment = new OperatorTestEnvironment(emulator, dir, kubeconfig);
        foreach (var entity in CrdGenerator.Entities) emulator.PutObject(CrdGenerator.Generate(entity));
        return environment;
    }

    /// <summary>Starts one operator instance with short lease and watch timings.</summary>
    public OperatorHost StartOperator(string identity, int workers = 2)
    {
        var options = new OperatorOptions
        {
            Identity = identity,
            DefaultImage = "ghcr.io/quantserve/quantserve:test",
            HttpPort = 0,
            LeaseNamespace = "default",
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(250),
            WatchTimeoutSeconds = 10,
            Workers = workers,
        };
        var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        var host = new OperatorHost(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig), options, loggers);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => host.RunAsync(stop.Token));
        operators.Add((host, stop, run));
        return host;
    }

    /// <summary>Stops an instance the way a crash would: it stops renewing and its lease runs out.</summary>
    public async Task StopOperatorAsync(OperatorHost host)
    {
        var entry = operators.Single(o => o.Host == host);
        await entry.Stop.CancelAsync();
        try
        {
            await entry.Run.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task<JsonObject> CreateAsync(JsonObject obj) =>
        Api.CreateAsync(ResourceOf(obj), KubeApi.Namespace(obj), obj, CancellationToken.None);

    public Task<JsonObject> CreateSampleAsync(string sample)
    {
        var path = Path.Combine(Samples.Directory, sample + ".yaml");
        return CreateAsync((JsonObject)YamlJsonConverter.FromYaml(File.ReadAllText(path), path));
    }

    public JsonObject? InferenceService(string name) => Emulator.GetObject("quantserve.dev/v1alpha1", "inferenceservices", "default", name);
    public JsonObject? QuantizationJob(string name) => Emulator.GetObject("quantserve.dev/v1alpha1", "quantizationjobs", "default", name);
    public JsonObject? Deployment(string name) => Emulator.GetObject("apps/v1", "deployments", "default", name);
    public JsonObject? BatchJob(string name) => Emulator.GetObject("batch/v1", "jobs", "default", name);

    public static string? ConditionStatus(JsonObject? obj, string type) =>
        (obj?["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?["status"]?.GetValue<string>();

    public static string? ConditionField(JsonObject? obj, string type, string field) =>
        (obj?["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(c => c["type"]?.GetValue<string>() == type)?[field]?.GetValue<string>();

    /// <summary>Plays the kubelet and the Deployment controller: every replica of the current generation is up.</summary>
    public void MarkDeploymentAvailable(string name)
    {
        var deployment = Deployment(name) ?? throw new InvalidOperationException($"no Deployment {name}");
        var generation = deployment["metadata"]!["generation"]?.GetValue<long>() ?? 1;
        var replicas = deployment["spec"]!["replicas"]?.GetValue<int>() ?? 1;
        Emulator.UpdateStatus("apps/v1", "deployments", "default", name, status =>
        {
            status["observedGeneration"] = generation;
            status["replicas"] = replicas;
            status["updatedReplicas"] = replicas;
            status["readyReplicas"] = replicas;
            status["availableReplicas"] = replicas;
        });
    }

    /// <summary>Plays the Job controller and kubelet: the calibration pod finished with this termination message.</summary>
    public void FinishCalibrationJob(string jobName, bool succeeded, string terminationMessage)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        Emulator.PutObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = jobName + "-x7k2p",
                ["namespace"] = "default",
                ["labels"] = new JsonObject
                {
                    ["job-name"] = jobName,
                    ["quantserve.dev/quantization-job"] = jobName,
                    ["app.kubernetes.io/managed-by"] = "quantserve-operator",
                },
            },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "quantize", ["image"] = "x" }) },
            ["status"] = new JsonObject
            {
                ["phase"] = succeeded ? "Succeeded" : "Failed",
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "quantize",
                    ["state"] = new JsonObject
                    {
                        ["terminated"] = new JsonObject { ["exitCode"] = succeeded ? 0 : 1, ["finishedAt"] = now, ["message"] = terminationMessage },
                    },
                }),
            },
        });
        Emulator.UpdateStatus("batch/v1", "jobs", "default", jobName, status =>
        {
            status["startTime"] = now;
            if (succeeded)
            {
                status["succeeded"] = 1;
                status["completionTime"] = now;
            }
            else
            {
                status["failed"] = 1;
            }
            status["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = succeeded ? "Complete" : "Failed",
                ["status"] = "True",
                ["reason"] = succeeded ? "Completed" : "BackoffLimitExceeded",
                ["message"] = succeeded ? "" : "Job has reached the specified backoff limit",
                ["lastTransitionTime"] = now,
            });
        });
    }

    /// <summary>Polls until the condition holds; fails with <paramref name="what"/> after the timeout
    /// (a bound on a hang, not a performance assertion).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting until " + what);
            await Task.Delay(50);
        }
    }

    private static KubeResource ResourceOf(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]!.GetValue<string>();
        var kind = obj["kind"]!.GetValue<string>();
        return kind switch
        {
            "InferenceService" => QuantServeResources.InferenceServices,
            "QuantizationJob" => QuantServeResources.QuantizationJobs,
            "Secret" => new KubeResource("", "v1", "secrets", "Secret"),
            _ => throw new ArgumentException($"the test environment cannot create {kind} ({apiVersion})"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (host, stop, run) in operators)
        {
            await stop.CancelAsync();
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
            }
            await host.DisposeAsync();
            stop.Dispose();
        }
        await Emulator.DisposeAsync();
        try
        {
            Directory.Delete(directory, true);
        }
        catch (IOException)
        {
        }
    }
}
