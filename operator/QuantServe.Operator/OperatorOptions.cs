namespace QuantServe.Operator;

/// <summary>Settings of one operator process (command-line flags / environment).</summary>
public sealed record OperatorOptions
{
    /// <summary>The serving image when a resource names none.</summary>
    public string DefaultImage { get; init; } = "ghcr.io/quantserve/quantserve:latest";

    /// <summary>Namespace to watch; null watches all namespaces.</summary>
    public string? WatchNamespace { get; init; }

    /// <summary>Namespace of the leader-election Lease.</summary>
    public string LeaseNamespace { get; init; } = "default";

    public string LeaseName { get; init; } = "quantserve-operator";

    /// <summary>This instance's identity in the Lease (the pod name in a cluster).</summary>
    public string Identity { get; init; } = Environment.MachineName + "-" + Guid.NewGuid().ToString("N")[..8];

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Seconds a watch request asks the server to keep the stream open before it reconnects.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>Periodic resync: every cached object is reconciled again this often.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Reconciles running at once per controller.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Port of /metrics, /healthz and /readyz; 0 picks a free port, -1 serves none.</summary>
    public int HttpPort { get; init; } = 8081;

    /// <summary>Port of the admission webhooks over TLS; -1 serves none.</summary>
    public int WebhookPort { get; init; } = -1;

    /// <summary>PEM files of the webhook certificate (cert-manager's Secret, mounted); exclusive with <see cref="WebhookCertificateSecret"/>.</summary>
    public string? WebhookCertificatePath { get; init; }
    public string? WebhookKeyPath { get; init; }

    /// <summary>The operator manages its webhook certificate in this Secret (created, renewed, read through the API).</summary>
    public string? WebhookCertificateSecret { get; init; }

    /// <summary>Namespace of that Secret and of the webhook Service: the operator's own.</summary>
    public string WebhookNamespace { get; init; } = "default";

    /// <summary>The webhook Service: the managed certificate names SERVICE.NAMESPACE.svc.</summary>
    public string? WebhookServiceName { get; init; }

    /// <summary>Webhook configurations whose caBundle the operator fills with its managed CA.</summary>
    public string? ValidatingWebhookConfiguration { get; init; }
    public string? MutatingWebhookConfiguration { get; init; }

    /// <summary>Validity of a generated webhook CA and certificate, and the window before expiry in which it is renewed.</summary>
    public int WebhookCertificateValidityDays { get; init; } = 365;
    public int WebhookCertificateRenewDays { get; init; } = 30;

    /// <summary>How often the managed certificate and the caBundles are checked again.</summary>
    public TimeSpan WebhookCertificateRecheckInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Run without leader election (a single instance).</summary>
    public bool DisableLeaderElection { get; init; }
}
