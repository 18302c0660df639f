using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using QuantServe.KubeEmulator;
using QuantServe.Operator.Certificates;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Certificates;

/// <summary>An emulated API server with the operator's namespace, its two webhook configurations (two webhooks
/// each, no caBundle, as the chart renders them) and clients for the certificate code.</summary>
public sealed class WebhookCertificateCluster : IAsyncDisposable
{
    public const string Ns = "quantserve-system";
    public const string SecretName = "quantserve-webhook-tls";
    public const string ServiceName = "quantserve-webhook";
    public const string Validating = "quantserve-validation";
    public const string Mutating = "quantserve-defaults";

    private readonly string directory;

    private WebhookCertificateCluster(KubeApiEmulator emulator, string directory, string kubeconfig)
    {
        Emulator = emulator;
        this.directory = directory;
        Kubeconfig = kubeconfig;
    }

    public KubeApiEmulator Emulator { get; }
    public string Kubeconfig { get; }

    public static WebhookCertificateSettings Settings => new()
    {
        SecretName = SecretName,
        Namespace = Ns,
        ServiceName = ServiceName,
        ValidatingConfiguration = Validating,
        MutatingConfiguration = Mutating,
        RetryInterval = TimeSpan.FromMilliseconds(100),
        RecheckInterval = TimeSpan.FromMilliseconds(200),
    };

    public static async Task<WebhookCertificateCluster> StartAsync(bool withConfigurations = true)
    {
        var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { Namespaces = ["default", Ns] });
        var dir = Directory.CreateTempSubdirectory("webhook-certs-").FullName;
        var cluster = new WebhookCertificateCluster(emulator, dir, emulator.WriteKubeconfig(Path.Combine(dir, "kubeconfig")));
        if (withConfigurations)
        {
            emulator.PutObject(Configuration("ValidatingWebhookConfiguration", Validating, "/validate"));
            emulator.PutObject(Configuration("MutatingWebhookConfiguration", Mutating, "/mutate"));
        }
        return cluster;
    }

    /// <summary>A client of its own (each replica has one); <paramref name="handlers"/> sit between it and the server.</summary>
    public KubeApi NewApi(params DelegatingHandler[] handlers) =>
        new(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig), handlers));

    public WebhookCertificateSecret NewSecret(KubeApi? api = null, TimeProvider? time = null) =>
        new(api ?? NewApi(), Settings, NullLogger.Instance, time);

    public JsonObject? Secret() => Emulator.GetObject("v1", "secrets", Ns, SecretName);

    public JsonObject? ValidatingConfiguration() => Emulator.GetObject("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", null, Validating);

    public JsonObject? MutatingConfiguration() => Emulator.GetObject("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", null, Mutating);

    /// <summary>Every webhook's caBundle in both configurations (null where absent).</summary>
    public IReadOnlyList<string?> CaBundles() =>
        new[] { ValidatingConfiguration(), MutatingConfiguration() }
            .SelectMany(c => (c?["webhooks"] as JsonArray ?? []).Select(w => w?["clientConfig"]?["caBundle"]?.GetValue<string>()))
            .ToList();

    /// <summary>Writes a Secret holding <paramref name="certificate"/> as if someone (another replica, an old chart) had.</summary>
    public JsonObject PutSecret(WebhookCertificate certificate) => Emulator.PutObject(new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = SecretName, ["namespace"] = Ns },
        ["type"] = "kubernetes.io/tls",
        ["data"] = certificate.ToSecretData(),
    });

    public static JsonObject Configuration(string kind, string name, string path) => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["webhooks"] = new JsonArray(
            Webhook("first.quantserve.dev", path),
            Webhook("second.quantserve.dev", path)),
    };

    private static JsonObject Webhook(string name, string path) => new()
    {
        ["name"] = name,
        ["admissionReviewVersions"] = new JsonArray("v1"),
        ["sideEffects"] = "None",
        ["clientConfig"] = new JsonObject
        {
            ["service"] = new JsonObject { ["name"] = ServiceName, ["namespace"] = Ns, ["path"] = path, ["port"] = 443 },
        },
    };

    public async ValueTask DisposeAsync()
    {
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
