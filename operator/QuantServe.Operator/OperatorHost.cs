using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QuantServe.Operator.Certificates;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Runtime;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Operator;

/// <summary>The composition root of one operator process: /metrics, /healthz and /readyz over HTTP, leader election on a Lease,
/// and, while leader, the informers and both controllers. Losing the lease stops reconciling at once;
/// the process then stands by and campaigns again.</summary>
public sealed class OperatorHost : IAsyncDisposable
{
    private readonly Kubernetes client;
    private readonly OperatorOptions options;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private volatile InformerFactory? informers;
    private volatile bool leading;
    private WebApplication? web;
    private AdmissionWebhookServer? webhooks;
    private readonly WebhookCertificateRotator? certificates;

    public OperatorHost(KubernetesClientConfiguration config, OperatorOptions options, ILoggerFactory loggers)
    {
        // Watches hold their connection for minutes; every other call gets KubeApi.RequestTimeout.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        client = new Kubernetes(config);
        this.options = options;
        this.loggers = loggers;
        logger = loggers.CreateLogger<OperatorHost>();
        Metrics.RegisterGauge("quantserve_operator_leader", $"identity=\"{options.Identity}\"", () => leading ? 1 : 0);
        if (ManagedCertificateSettings(options) is { } settings)
        {
            certificates = new WebhookCertificateRotator(new KubeApi(client, Metrics), settings, loggers.CreateLogger<WebhookCertificateRotator>());
            Metrics.RegisterGauge("quantserve_operator_webhook_certificate_expiry_timestamp_seconds", $"secret=\"{settings.SecretName}\"",
                () => certificates.NotAfter?.ToUnixTimeSeconds() ?? 0);
        }
    }

    /// <summary>The settings of the operator-managed webhook certificate, or null when the webhooks are off or
    /// their certificate comes from files. Throws <see cref="ArgumentException"/> naming the flags that clash or are missing.</summary>
    public static WebhookCertificateSettings? ManagedCertificateSettings(OperatorOptions options)
    {
        if (options.WebhookPort < 0) return null;
        var fromFiles = options.WebhookCertificatePath is not null || options.WebhookKeyPath is not null;
        if (options.WebhookCertificateSecret is null)
        {
            if (options.WebhookCertificatePath is null || options.WebhookKeyPath is null)
                throw new ArgumentException("--webhook-port needs either --webhook-cert and --webhook-key, or --webhook-cert-secret");
            return null;
        }
        if (fromFiles) throw new ArgumentException("--webhook-cert-secret and --webhook-cert/--webhook-key exclude each other: the certificate comes from one place");
        var settings = new WebhookCertificateSettings
        {
            SecretName = options.WebhookCertificateSecret,
            Namespace = options.WebhookNamespace,
            ServiceName = options.WebhookServiceName ?? throw new ArgumentException("--webhook-cert-secret needs --webhook-service (the certificate must name the Service)"),
            ValidatingConfiguration = options.ValidatingWebhookConfiguration,
            MutatingConfiguration = options.MutatingWebhookConfiguration,
            Validity = TimeSpan.FromDays(options.WebhookCertificateValidityDays),
            RenewBefore = TimeSpan.FromDays(options.WebhookCertificateRenewDays),
            RecheckInterval = options.WebhookCertificateRecheckInterval,
        };
        settings.Validate();
        return settings;
    }

    public OperatorMetrics Metrics { get; } = new();
    public bool IsLeader => leading;
    public string Identity => options.Identity;

    /// <summary>Ready: a standby is ready to take over; a leader once its caches are filled; and, when the operator
    /// manages the webhook certificate, only once it serves one.</summary>
    public bool IsReady => (!leading || informers?.HasSynced == true) && (certificates is null || certificates.HasCertificate);

    /// <summary>The managed webhook certificate, or null when it comes from files or there are no webhooks.</summary>
    public WebhookCertificateRotator? WebhookCertificates => certificates;

    /// <summary>The admission webhook server once started.</summary>
    public AdmissionWebhookServer? WebhookServer => webhooks;

    /// <summary>Address of the metrics/health server once started.</summary>
    public Uri? HttpAddress { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        if (options.HttpPort >= 0) await StartHttpAsync(ct);
        // Every replica serves the webhooks, so every replica keeps the certificate (leader or not).
        using var rotating = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var rotation = certificates?.RunAsync(rotating.Token) ?? Task.CompletedTask;
        try
        {
            if (options.WebhookPort >= 0)
            {
                webhooks = certificates is not null
                    ? await AdmissionWebhookServer.StartAsync(options.WebhookPort, () => certificates.ServingCertificate, ct)
                    : await AdmissionWebhookServer.StartAsync(options.WebhookPort, options.WebhookCertificatePath!, options.WebhookKeyPath!, ct);
                logger.LogInformation("admission webhooks on {Address}", webhooks.Address);
            }
            await CampaignAsync(ct);
        }
        finally
        {
            await rotating.CancelAsync();
            await rotation;
        }
    }

    private async Task CampaignAsync(CancellationToken ct)
    {
        if (options.DisableLeaderElection)
        {
            await LeadAsync(ct);
            return;
        }
        while (!ct.IsCancellationRequested)
        {
            var lease = new LeaseLock(client, options.LeaseNamespace, options.LeaseName, options.Identity);
            using var elector = new LeaderElector(new LeaderElectionConfig(lease)
            {
                LeaseDuration = options.LeaseDuration,
                RenewDeadline = options.RenewDeadline,
                RetryPeriod = options.RetryPeriod,
            });
            CancellationTokenSource? term = null;
            Task? work = null;
            elector.OnStartedLeading += () =>
            {
                term = CancellationTokenSource.CreateLinkedTokenSource(ct);
                work = LeadAsync(term.Token);
            };
            elector.OnNewLeader += leader => logger.LogInformation("leader is now {Leader}", leader);
            elector.OnError += e => logger.LogWarning("leader election: {Error}", e.Message);
            try
            {
                await elector.RunUntilLeadershipLostAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            term?.Cancel();
            if (work is not null)
            {
                try
                {
                    await work;
                }
                catch (OperationCanceledException)
                {
                }
            }
            term?.Dispose();
            if (!ct.IsCancellationRequested) logger.LogWarning("{Identity} lost the lease; standing by", options.Identity);
        }
    }

    private async Task LeadAsync(CancellationToken ct)
    {
        leading = true;
        Metrics.CountLeaderTransition(options.Identity);
        logger.LogInformation("{Identity} leads; starting controllers", options.Identity);
        try
        {
            var api = new KubeApi(client, Metrics);
            var factory = new InformerFactory(api, options.WatchNamespace, options.WatchTimeoutSeconds, Metrics, loggers);
            var writer = new ChildWriter(api);
            var events = new EventRecorder(api, "quantserve-operator", loggers.CreateLogger<EventRecorder>());
            var services = new InferenceServiceController(factory, writer, events, options, loggers.CreateLogger<InferenceServiceController>());
            var jobs = new QuantizationJobController(factory, writer, events, options, loggers.CreateLogger<QuantizationJobController>());
            var controllers = new[]
            {
                services.CreateController(Metrics, loggers.CreateLogger("controller." + InferenceServiceController.Name)),
                jobs.CreateController(Metrics, loggers.CreateLogger("controller." + QuantizationJobController.Name)),
            };
            informers = factory;
            var caches = factory.RunAsync(ct);
            await factory.WaitForSyncAsync(ct);
            logger.LogInformation("caches synced ({Count} informers)", factory.All.Count);
            await Task.WhenAll(controllers.Select(c => c.RunAsync(ct)).Append(caches));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            leading = false;
            informers = null;
        }
    }

    private async Task StartHttpAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(options.HttpPort));
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => IsReady ? Results.Text("ok")
            : certificates is { HasCertificate: false } ? Results.Text("no webhook certificate yet" + (certificates.LastError is { } error ? ": " + error : ""), statusCode: 503)
            : Results.Text("caches not synced", statusCode: 503));
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        web = app;
        logger.LogInformation("metrics and health on {Address}", HttpAddress);
    }

    public async ValueTask DisposeAsync()
    {
        if (web is not null) await web.DisposeAsync();
        if (webhooks is not null) await webhooks.DisposeAsync();
        client.Dispose();
    }
}
