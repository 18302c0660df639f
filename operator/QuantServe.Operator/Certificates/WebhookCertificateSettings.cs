namespace QuantServe.Operator.Certificates;

/// <summary>Where the operator keeps the webhook certificate it manages itself (cert-manager off) and
/// which webhook configurations get its CA.</summary>
public sealed record WebhookCertificateSettings
{
    /// <summary>The kubernetes.io/tls Secret holding ca.crt, tls.crt and tls.key.</summary>
    public required string SecretName { get; init; }

    /// <summary>Namespace of the Secret and of the webhook Service (the operator's own).</summary>
    public required string Namespace { get; init; }

    /// <summary>The Service the API server calls: the certificate must name SERVICE.NAMESPACE.svc.</summary>
    public required string ServiceName { get; init; }

    /// <summary>ValidatingWebhookConfiguration whose webhooks get the caBundle; none when null.</summary>
    public string? ValidatingConfiguration { get; init; }

    /// <summary>MutatingWebhookConfiguration whose webhooks get the caBundle; none when null.</summary>
    public string? MutatingConfiguration { get; init; }

    /// <summary>Lifetime of a generated CA and serving certificate.</summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromDays(365);

    /// <summary>A certificate that expires within this window is replaced.</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often the Secret and the caBundles are checked again (repairs a GitOps sync that resets caBundle).</summary>
    public TimeSpan RecheckInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The first retry after a failed check; doubled on each failure up to <see cref="RecheckInterval"/>.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The names the API server may use for the Service (it calls SERVICE.NAMESPACE.svc).</summary>
    public IReadOnlyList<string> DnsNames =>
    [
        ServiceName,
        $"{ServiceName}.{Namespace}",
        $"{ServiceName}.{Namespace}.svc",
        $"{ServiceName}.{Namespace}.svc.cluster.local",
    ];

    /// <summary>Throws naming the setting that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SecretName)) throw new ArgumentException("the webhook certificate Secret name is empty (--webhook-cert-secret)");
        if (string.IsNullOrWhiteSpace(ServiceName)) throw new ArgumentException("the webhook Service name is empty (--webhook-service)");
        if (string.IsNullOrWhiteSpace(Namespace)) throw new ArgumentException("the webhook namespace is empty (--webhook-namespace or POD_NAMESPACE)");
        if (Validity <= TimeSpan.FromDays(1)) throw new ArgumentException($"the webhook certificate validity must exceed one day, got {Validity.TotalDays} days");
        if (RenewBefore <= TimeSpan.Zero || RenewBefore >= Validity)
            throw new ArgumentException($"the renewal window ({RenewBefore.TotalDays} days) must be positive and shorter than the validity ({Validity.TotalDays} days)");
    }
}
