using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Certificates;

/// <summary>Writes the CA bundle into clientConfig.caBundle of every webhook of the named Validating and
/// Mutating webhook configurations (read, change, PUT with resourceVersion; nothing written when all match).</summary>
public sealed class CaBundleInjector(KubeApi api, WebhookCertificateSettings settings, ILogger logger)
{
    private const int Attempts = 5;

    private IEnumerable<(KubeResource Resource, string Name, string Flag)> Configurations()
    {
        if (settings.ValidatingConfiguration is { } validating)
            yield return (KubeResource.ValidatingWebhookConfigurations, validating, "--validating-webhook-configuration");
        if (settings.MutatingConfiguration is { } mutating)
            yield return (KubeResource.MutatingWebhookConfigurations, mutating, "--mutating-webhook-configuration");
    }

    /// <summary>Returns how many webhooks had a different caBundle (0: nothing written).</summary>
    public async Task<int> InjectAsync(string caBundle, CancellationToken ct)
    {
        var changed = 0;
        foreach (var (resource, name, flag) in Configurations())
            changed += await InjectAsync(resource, name, flag, caBundle, ct);
        return changed;
    }

    private async Task<int> InjectAsync(KubeResource resource, string name, string flag, string caBundle, CancellationToken ct)
    {
        var described = $"{resource} \"{name}\"";
        for (var attempt = 1; ; attempt++)
        {
            JsonObject configuration;
            try
            {
                configuration = await api.GetAsync(resource, "", name, ct)
                    ?? throw new WebhookCertificateException($"{resource.Kind} \"{name}\" does not exist: the operator cannot put its CA bundle into it ({flag} names it)");
            }
            catch (KubeApiException e)
            {
                throw WebhookCertificateException.FromApi(e, "get " + described);
            }
            var changed = 0;
            foreach (var webhook in (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (webhook["clientConfig"] is not JsonObject clientConfig) webhook["clientConfig"] = clientConfig = new JsonObject();
                if (clientConfig["caBundle"]?.GetValue<string>() == caBundle) continue;
                clientConfig["caBundle"] = caBundle;
                changed++;
            }
            if (changed == 0) return 0;
            try
            {
                await api.ReplaceAsync(resource, configuration, ct);
                logger.LogInformation("wrote the webhook CA bundle into {Count} webhook(s) of {Kind} {Name}", changed, resource.Kind, name);
                return changed;
            }
            catch (KubeApiException e) when (e.IsConflict && attempt < Attempts)
            {
                // Someone else changed the configuration meanwhile: read it again.
            }
            catch (KubeApiException e)
            {
                throw WebhookCertificateException.FromApi(e, "update " + described);
            }
        }
    }
}
