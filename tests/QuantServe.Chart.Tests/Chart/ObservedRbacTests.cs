using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging;
using QuantServe.Chart.Tests.Support;
using QuantServe.KubeEmulator;
using QuantServe.Operator;
using QuantServe.Operator.Crds;
using QuantServe.Operator.Runtime;
using Permission = QuantServe.Chart.Tests.Support.OperatorApiNeeds.Permission;

namespace QuantServe.Chart.Tests.Chart;

/// <summary>Runs the operator against the in-process API emulator through a scenario that makes it use
/// every permission (calibration, serving, drift correction, leader election, the webhook certificate it
/// creates and renews and the caBundles it writes) and checks each request
/// it made against <see cref="OperatorApiNeeds"/> and the chart's roles. The test writes its own objects
/// straight into the emulator's store, so every HTTP request recorded is the operator's.</summary>
public sealed class ObservedRbacTests
{
    private const string Ns = "default";
    private const string CertificateSecret = "quantserve-webhook-tls";
    private const string Validating = "quantserve-validation";
    private const string Mutating = "quantserve-defaults";

    private static JsonObject WebhookConfiguration(string kind, string name) => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["webhooks"] = new JsonArray(new JsonObject
        {
            ["name"] = name + ".quantserve.dev",
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["sideEffects"] = "None",
            ["clientConfig"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "quantserve-webhook", ["namespace"] = Ns } },
        }),
    };

    private static JsonObject Sample(string name) =>
        (JsonObject)YamlJsonConverter.FromYaml(Repository.Read("crds", "samples", name + ".yaml"), name);

    [Fact]
    public async Task Every_request_the_running_operator_makes_is_a_declared_need_the_chart_grants()
    {
        await using var emulator = await KubeApiEmulator.StartAsync();
        foreach (var entity in CrdGenerator.Entities) emulator.PutObject(CrdGenerator.Generate(entity));
        var calibrated = Sample("inferenceservice-gptq-calibrated");
        var served = Sample("inferenceservice-none");
        var job = Sample("quantizationjob");
        foreach (var obj in new[] { calibrated, served, job }) emulator.PutObject(obj);
        emulator.PutObject(WebhookConfiguration("ValidatingWebhookConfiguration", Validating));
        emulator.PutObject(WebhookConfiguration("MutatingWebhookConfiguration", Mutating));

        var dir = Directory.CreateTempSubdirectory("chart-rbac-");
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(emulator.WriteKubeconfig(Path.Combine(dir.FullName, "kubeconfig")));
        var options = new OperatorOptions
        {
            Identity = "rbac-probe",
            HttpPort = -1,
            LeaseNamespace = Ns,
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
            WatchTimeoutSeconds = 10,
            WebhookPort = 0,
            WebhookCertificateSecret = CertificateSecret,
            WebhookNamespace = Ns,
            WebhookServiceName = "quantserve-webhook",
            ValidatingWebhookConfiguration = Validating,
            MutatingWebhookConfiguration = Mutating,
            WebhookCertificateRecheckInterval = TimeSpan.FromMilliseconds(200),
        };
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        await using var host = new OperatorHost(config, options, loggers);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => host.RunAsync(stop.Token));
        try
        {
            var expected = OperatorApiNeeds.All.Except(OperatorApiNeeds.ImpliedOnly).ToHashSet();
            var jobName = KubeApi.Name(job);
            var servedName = KubeApi.Name(served);
            var running = false;
            var drifted = false;
            var expired = false;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40); // a bound on a hang, not a timing assertion
            HashSet<Permission> observed = [];
            while (true)
            {
                observed = Observed(emulator);
                if (expected.IsSubsetOf(observed)) break;
                if (DateTime.UtcNow > deadline || run.IsCompleted)
                    throw new TimeoutException("the operator never used: " + string.Join(", ", expected.Except(observed)) + (run.IsFaulted ? $" (it stopped: {run.Exception})" : ""));
                // Play the Job controller and kubelet: the calibration pod runs (progress is read from its log).
                if (!running && emulator.GetObject("batch/v1", "jobs", Ns, jobName) is not null)
                {
                    emulator.PutObject(RunningPod(jobName));
                    emulator.UpdateStatus("batch/v1", "jobs", Ns, jobName, s => s["active"] = 1);
                    running = true;
                }
                // Play a user editing the Service by hand: the operator puts it back (update).
                if (!drifted && emulator.GetObject("v1", "services", Ns, servedName) is { } service)
                {
                    service["spec"]!["ports"]![0]!["port"] = 8081;
                    emulator.PutObject(service);
                    // ...and scaling the InferenceService: the Deployment is updated.
                    var isvc = emulator.GetObject("quantserve.dev/v1alpha1", "inferenceservices", Ns, servedName)!;
                    isvc["spec"]!["replicas"] = 2;
                    emulator.PutObject(isvc);
                    drifted = true;
                }
                // Play time passing: the certificate the operator created is about to expire, so it renews it (update).
                if (!expired && emulator.GetObject("v1", "secrets", Ns, CertificateSecret) is { } secret)
                {
                    secret["data"] = Operator.Certificates.WebhookCertificateGenerator.Generate(
                        ["quantserve-webhook." + Ns + ".svc"], DateTimeOffset.UtcNow.AddDays(-364), TimeSpan.FromDays(365)).ToSecretData();
                    emulator.PutObject(secret);
                    expired = true;
                }
                await Task.Delay(50);
            }

            var granted = RbacTests.RulesOf("ClusterRole").Concat(RbacTests.RulesOf("Role")).ToHashSet();
            observed.Except(expected).Should().BeEmpty("the operator must make no request beyond its declared needs");
            observed.Except(granted).Should().BeEmpty("the chart must grant every request the operator makes");
            // resourceNames in the chart hold only if the operator names no other Secret or configuration.
            var certificatePaths = emulator.Requests
                .Where(r => r.Method is "GET" or "PUT" && (r.Path.Contains("/secrets", StringComparison.Ordinal) || r.Path.Contains("webhookconfigurations", StringComparison.Ordinal)))
                .Select(r => r.Path).Distinct().ToList();
            certificatePaths.Should().BeEquivalentTo([
                $"/api/v1/namespaces/{Ns}/secrets/{CertificateSecret}",
                $"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{Validating}",
                $"/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/{Mutating}",
            ]);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
            }
            dir.Delete(true);
        }
    }

    private static HashSet<Permission> Observed(KubeApiEmulator emulator) =>
        emulator.Requests.Select(r => OperatorApiNeeds.Of(r.Method, r.Path, r.IsWatch)).OfType<Permission>().ToHashSet();

    private static JsonObject RunningPod(string jobName) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = jobName + "-x7k2p",
            ["namespace"] = Ns,
            ["labels"] = new JsonObject
            {
                ["job-name"] = jobName,
                ["quantserve.dev/quantization-job"] = jobName,
                ["app.kubernetes.io/managed-by"] = "quantserve-operator",
            },
        },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "quantize", ["image"] = "x" }) },
        ["status"] = new JsonObject { ["phase"] = "Running" },
    };

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/pods", false, "", "pods", "list")]
    [InlineData("GET", "/api/v1/pods", true, "", "pods", "watch")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/p/log", false, "", "pods/log", "get")]
    [InlineData("PUT", "/apis/quantserve.dev/v1alpha1/namespaces/ns/inferenceservices/a/status", false, "quantserve.dev", "inferenceservices/status", "update")]
    [InlineData("POST", "/apis/batch/v1/namespaces/default/jobs", false, "batch", "jobs", "create")]
    [InlineData("DELETE", "/apis/apps/v1/namespaces/default/deployments/d", false, "apps", "deployments", "delete")]
    public void A_request_maps_to_the_rbac_permission_it_needs(string method, string path, bool watch, string group, string resource, string verb)
    {
        OperatorApiNeeds.Of(method, path, watch).Should().Be(new Permission(group, resource, verb));
    }

    [Fact]
    public void Discovery_requests_need_no_resource_permission()
    {
        OperatorApiNeeds.Of("GET", "/apis", false).Should().BeNull();
        OperatorApiNeeds.Of("GET", "/version", false).Should().BeNull();
        OperatorApiNeeds.Of("GET", "/apis/apps/v1", false).Should().BeNull();
    }
}
