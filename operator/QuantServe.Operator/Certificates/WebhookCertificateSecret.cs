using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using QuantServe.Operator.Builders;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Certificates;

/// <summary>Keeps a usable webhook certificate in one Secret. Every replica runs this at once: writes carry the
/// resourceVersion (create fails with AlreadyExists, update with Conflict), and the loser re-reads and
/// adopts the winner's certificate, so all replicas end with one CA.</summary>
public sealed class WebhookCertificateSecret(KubeApi api, WebhookCertificateSettings settings, ILogger logger, TimeProvider? time = null)
{
    private const int Attempts = 5;
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    /// <summary>What <see cref="EnsureAsync"/> did.</summary>
    public enum Outcome
    {
        Reused,
        Created,
        Renewed,
    }

    private string Described => $"secrets \"{settings.SecretName}\" in namespace \"{settings.Namespace}\"";

    /// <summary>Returns the certificate in the Secret, first creating or renewing it when it is absent, does not
    /// parse, expires within the renewal window or does not name the Service.</summary>
    public async Task<(WebhookCertificate Certificate, Outcome Outcome)> EnsureAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var secret = await ReadAsync(ct);
            var existing = secret is null ? null : WebhookCertificate.FromSecret(secret);
            var now = clock.GetUtcNow();
            var problem = secret is null ? "it does not exist"
                : existing is null ? $"it lacks {WebhookCertificate.CaKey}, {WebhookCertificate.CertificateKey} or {WebhookCertificate.PrivateKeyKey}"
                : existing.Problem(settings.DnsNames, now, settings.RenewBefore);
            if (problem is null) return (existing!, Outcome.Reused);

            var fresh = WebhookCertificateGenerator.Generate(settings.DnsNames, now, settings.Validity, existing?.CurrentCaPemValidAt(now));
            try
            {
                if (secret is null)
                {
                    await api.CreateAsync(KubeResource.Secrets, settings.Namespace, NewSecret(fresh), ct);
                    logger.LogInformation("created the webhook certificate Secret {Namespace}/{Name}", settings.Namespace, settings.SecretName);
                    return (fresh, Outcome.Created);
                }
                // Same object, new data: the resourceVersion it was read with makes a concurrent write fail.
                secret["data"] = fresh.ToSecretData();
                await api.ReplaceAsync(KubeResource.Secrets, secret, ct);
                logger.LogInformation("renewed the webhook certificate in Secret {Namespace}/{Name}: {Problem}", settings.Namespace, settings.SecretName, problem);
                return (fresh, Outcome.Renewed);
            }
            catch (KubeApiException e) when ((e.IsAlreadyExists || e.IsConflict) && attempt < Attempts)
            {
                // Another replica wrote first: read its certificate and use it.
                logger.LogInformation("another replica wrote the webhook certificate Secret {Name} first ({Reason}); reading it", settings.SecretName, e.Reason);
            }
            catch (KubeApiException e)
            {
                throw WebhookCertificateException.FromApi(e, (secret is null ? "create " : "update ") + Described);
            }
        }
    }

    private async Task<JsonObject?> ReadAsync(CancellationToken ct)
    {
        try
        {
            return await api.GetAsync(KubeResource.Secrets, settings.Namespace, settings.SecretName, ct);
        }
        catch (KubeApiException e)
        {
            throw WebhookCertificateException.FromApi(e, "get " + Described);
        }
    }

    private JsonObject NewSecret(WebhookCertificate certificate) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject
        {
            ["name"] = settings.SecretName,
            ["namespace"] = settings.Namespace,
            // No app.kubernetes.io/instance: Argo CD would take the Secret for part of the application and prune it.
            ["labels"] = new JsonObject
            {
                [ChildLabels.ManagedBy] = ChildLabels.OperatorName,
                [ChildLabels.Component] = "webhook-certificate",
            },
        },
        ["type"] = "kubernetes.io/tls",
        ["data"] = certificate.ToSecretData(),
    };
}
