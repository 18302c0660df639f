using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Certificates;

/// <summary>Runs on every replica: keeps the Secret's certificate valid (<see cref="WebhookCertificateSecret"/>),
/// serves what the Secret holds (another replica may have renewed it) and puts its CA into the webhook
/// configurations (<see cref="CaBundleInjector"/>) - again every <see cref="WebhookCertificateSettings.RecheckInterval"/>,
/// so a caBundle reset by a GitOps sync is repaired.</summary>
public sealed class WebhookCertificateRotator
{
    private readonly WebhookCertificateSettings settings;
    private readonly WebhookCertificateSecret secret;
    private readonly CaBundleInjector injector;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private volatile X509Certificate2? serving;
    private WebhookCertificate? current;

    public WebhookCertificateRotator(KubeApi api, WebhookCertificateSettings settings, ILogger logger, TimeProvider? time = null)
    {
        settings.Validate();
        this.settings = settings;
        this.logger = logger;
        clock = time ?? TimeProvider.System;
        secret = new WebhookCertificateSecret(api, settings, logger, clock);
        injector = new CaBundleInjector(api, settings, logger);
    }

    /// <summary>The certificate the webhook server presents; null until the first check succeeded.</summary>
    public X509Certificate2? ServingCertificate => serving;

    public bool HasCertificate => serving is not null;

    /// <summary>When the served certificate expires (for the metrics); null without one.</summary>
    public DateTimeOffset? NotAfter { get; private set; }

    /// <summary>The last check's error; null after a successful one.</summary>
    public string? LastError { get; private set; }

    /// <summary>One check: ensure the Secret, serve its certificate, write the caBundles.
    /// Throws <see cref="WebhookCertificateException"/> naming what failed.</summary>
    public async Task<WebhookCertificate> CheckAsync(CancellationToken ct)
    {
        try
        {
            var (certificate, outcome) = await secret.EnsureAsync(ct);
            if (current != certificate)
            {
                serving = certificate.ToServingCertificate();
                NotAfter = certificate.NotAfter();
                if (current is not null || outcome != WebhookCertificateSecret.Outcome.Reused)
                    logger.LogInformation("serving the webhook certificate from Secret {Name} ({Outcome}), valid until {NotAfter:u}", settings.SecretName, outcome, NotAfter);
                // The previous certificate is left to the collector: a handshake may still hold it.
                current = certificate;
            }
            await injector.InjectAsync(certificate.CaBundle, ct);
            LastError = null;
            return certificate;
        }
        catch (WebhookCertificateException e)
        {
            LastError = e.Message;
            throw;
        }
    }

    /// <summary>Checks until <paramref name="ct"/> fires: after a success every RecheckInterval (sooner when the
    /// renewal window opens), after a failure from RetryInterval doubling up to RecheckInterval.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var retry = settings.RetryInterval;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var certificate = await CheckAsync(ct);
                retry = settings.RetryInterval;
                var renewal = certificate.NotAfter() - settings.RenewBefore - clock.GetUtcNow();
                wait = renewal < settings.RecheckInterval ? renewal + TimeSpan.FromSeconds(1) : settings.RecheckInterval;
                if (wait < TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever failed, the loop must go on: a replica that stops checking would serve a stale certificate.
                logger.LogError("webhook certificate: {Error}; retrying in {Retry}", e is WebhookCertificateException ? e.Message : e.ToString(), retry);
                LastError ??= e.Message;
                wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, settings.RecheckInterval.Ticks));
            }
            try
            {
                await Task.Delay(wait, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
