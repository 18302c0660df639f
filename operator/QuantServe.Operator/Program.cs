using System.Globalization;
using k8s;
using Microsoft.Extensions.Logging;
using QuantServe.Operator;
using QuantServe.Operator.Crds;

// quantserve-operator crds <dir>   writes the generated CustomResourceDefinitions
// quantserve-operator [run] [...]  runs the controllers against the current kubeconfig or in-cluster config
const string Usage = """
    usage: quantserve-operator crds <dir>
           quantserve-operator [run] [--kubeconfig PATH] [--context NAME] [--namespace NS] [--image IMAGE]
                               [--http-port N] [--lease-namespace NS] [--identity ID] [--no-leader-election]
                               [--webhook-port N --webhook-cert tls.crt --webhook-key tls.key]
                               [--webhook-port N --webhook-cert-secret NAME --webhook-service NAME [--webhook-namespace NS]
                                [--validating-webhook-configuration NAME] [--mutating-webhook-configuration NAME]
                                [--webhook-cert-validity-days N] [--webhook-cert-renew-days N]]
      --webhook-cert-secret: the operator creates, renews and serves the certificate in this Secret and
      writes its CA into the named webhook configurations (namespace: --webhook-namespace or POD_NAMESPACE).
    """;

if (args.Length > 0 && args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return 0;
}
if (args.Length > 0 && args[0] == "crds")
{
    var directory = args.Length > 1 ? args[1] : "crds";
    foreach (var path in CrdGenerator.WriteAll(directory)) Console.WriteLine($"wrote {path}");
    return 0;
}

var rest = args.Length > 0 && args[0] == "run" ? args[1..] : args;
var options = new OperatorOptions
{
    Identity = Environment.GetEnvironmentVariable("POD_NAME") ?? new OperatorOptions().Identity,
    LeaseNamespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default",
    WebhookNamespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? "default",
};
string? kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
string? context = null;
try
{
    for (var i = 0; i < rest.Length; i++)
    {
        string Value() => i + 1 < rest.Length ? rest[++i] : throw new ArgumentException($"{rest[i]} needs a value\n{Usage}");
        int Number()
        {
            var flag = rest[i];
            var text = Value();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{flag} needs a whole number, got '{text}'");
        }
        switch (rest[i])
        {
            case "--kubeconfig": kubeconfig = Value(); break;
            case "--context": context = Value(); break;
            case "--namespace": options = options with { WatchNamespace = Value() }; break;
            case "--image": options = options with { DefaultImage = Value() }; break;
            case "--http-port": options = options with { HttpPort = Number() }; break;
            case "--lease-namespace": options = options with { LeaseNamespace = Value() }; break;
            case "--identity": options = options with { Identity = Value() }; break;
            case "--no-leader-election": options = options with { DisableLeaderElection = true }; break;
            case "--webhook-port": options = options with { WebhookPort = Number() }; break;
            case "--webhook-cert": options = options with { WebhookCertificatePath = Value() }; break;
            case "--webhook-key": options = options with { WebhookKeyPath = Value() }; break;
            case "--webhook-cert-secret": options = options with { WebhookCertificateSecret = Value() }; break;
            case "--webhook-namespace": options = options with { WebhookNamespace = Value() }; break;
            case "--webhook-service": options = options with { WebhookServiceName = Value() }; break;
            case "--validating-webhook-configuration": options = options with { ValidatingWebhookConfiguration = Value() }; break;
            case "--mutating-webhook-configuration": options = options with { MutatingWebhookConfiguration = Value() }; break;
            case "--webhook-cert-validity-days": options = options with { WebhookCertificateValidityDays = Number() }; break;
            case "--webhook-cert-renew-days": options = options with { WebhookCertificateRenewDays = Number() }; break;
            default:
                Console.Error.WriteLine($"unknown argument '{rest[i]}'\n{Usage}");
                return 2;
        }
    }
}
catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
{
    Console.Error.WriteLine($"quantserve-operator: {e.Message}");
    return 2;
}
try
{
    OperatorHost.ManagedCertificateSettings(options);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"quantserve-operator: {e.Message}\n{Usage}");
    return 2;
}

KubernetesClientConfiguration config;
try
{
    config = kubeconfig is not null
        ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig.Split(':')[0], context)
        : KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig();
}
catch (Exception e) when (e is IOException or k8s.Exceptions.KubeConfigException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"quantserve-operator: cannot load the cluster configuration ({kubeconfig ?? "in-cluster or ~/.kube/config"}): {e.Message}");
    Console.Error.WriteLine("Point --kubeconfig or KUBECONFIG at a kubeconfig file, or run inside a cluster with a service account.");
    return 1;
}

using var loggers = LoggerFactory.Create(b => b.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ").SetMinimumLevel(LogLevel.Information));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
await using var host = new OperatorHost(config, options, loggers);
await host.RunAsync(stop.Token);
return 0;
