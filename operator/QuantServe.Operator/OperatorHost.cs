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
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Runtime;

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
    private Webhooks.AdmissionWebhookServer? webhooks;

    public OperatorHost(KubernetesClientConfiguration config, OperatorOptions options, ILoggerFactory loggers)
    {
        // Watches hold their connection for minutes; every other call gets KubeApi.RequestTimeout.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        client = new Kubernetes(config);
        this.options = options;
        this.loggers = loggers;
        logger = loggers.CreateLogger<OperatorHost>();
        Metrics.RegisterGauge("quantserve_operator_leader", $"identity=\"{options.Identity}\"", () => leading ? 1 : 0);
    }

    public OperatorMetrics Metrics { get; } = new();
    public bool IsLeader => leading;
    public string Identity => options.Identity;

    /// <summary>Ready: a standby is ready to take over; a leader once its caches are filled.</summary>
    public bool IsReady => !leading || informers?.HasSynced == true;

    /// <summary>Address of the metrics/health server once started.</summary>
    public Uri? HttpAddress { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        if (options.HttpPort >= 0) await StartHttpAsync(ct);
        if (options.WebhookPort >= 0)
        {
            webhooks = await Webhooks.AdmissionWebhookServer.StartAsync(options.WebhookPort,
                options.WebhookCertificatePath ?? throw new InvalidOperationException("--webhook-cert is required with --webhook-port"),
                options.WebhookKeyPath ?? throw new InvalidOperationException("--webhook-key is required with --webhook-port"), ct);
            logger.LogInformation("admission webhooks on {Address}", webhooks.Address);
        }
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
        app.MapGet("/readyz", () => IsReady ? Results.Text("ok") : Results.Text("caches not synced", statusCode: 503));
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
