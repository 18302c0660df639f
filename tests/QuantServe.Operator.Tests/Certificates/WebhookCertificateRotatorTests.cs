using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QuantServe.Operator.Certificates;
using QuantServe.Operator.Tests.Integration;
using QuantServe.Operator.Tests.Webhooks;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Operator.Tests.Certificates;

public sealed class WebhookCertificateRotatorTests
{
    private static readonly string ServiceHost = $"{WebhookCertificateCluster.ServiceName}.{WebhookCertificateCluster.Ns}.svc";

    /// <summary>A TLS handshake with the server as the API server makes it: for the Service's name, trusting only ca.crt.
    /// Returns the certificate presented.</summary>
    private static X509ChainPolicy TrustingOnly(string caPem)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(caPem);
        policy.CustomTrustStore.AddRange(authorities);
        return policy;
    }

    private static async Task<X509Certificate2> HandshakeAsync(Uri server, string caPem)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = ServiceHost,
            CertificateChainPolicy = TrustingOnly(caPem),
        });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    [Fact]
    public async Task The_webhook_server_presents_the_secrets_certificate_and_a_renewed_one_without_restart()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var rotator = new WebhookCertificateRotator(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);
        await using var server = await AdmissionWebhookServer.StartAsync(0, () => rotator.ServingCertificate, CancellationToken.None);
        rotator.HasCertificate.Should().BeFalse();
        var handshakeWithoutCertificate = () => HandshakeAsync(server.Address, WebhookCertificateGenerator.Generate(["x"], DateTimeOffset.UtcNow, TimeSpan.FromDays(2)).CaPem);
        await handshakeWithoutCertificate.Should().ThrowAsync<Exception>("no certificate is served before the first check");

        var first = await rotator.CheckAsync(CancellationToken.None);

        rotator.HasCertificate.Should().BeTrue();
        using (var presented = await HandshakeAsync(server.Address, first.CaPem))
            presented.ExportCertificatePem().Should().Be(first.CertificatePem.TrimEnd());
        cluster.CaBundles().Should().HaveCount(4).And.OnlyContain(b => b == first.CaBundle);

        // Another replica renews the Secret: the next check serves the new certificate and writes the new bundle.
        var renewed = WebhookCertificateGenerator.Generate(WebhookCertificateCluster.Settings.DnsNames, DateTimeOffset.UtcNow, TimeSpan.FromDays(365), first.CaPem);
        cluster.PutSecret(renewed);
        await rotator.CheckAsync(CancellationToken.None);

        using (var presented = await HandshakeAsync(server.Address, renewed.CaPem))
            presented.ExportCertificatePem().Should().Be(renewed.CertificatePem.TrimEnd());
        cluster.CaBundles().Should().OnlyContain(b => b == renewed.CaBundle);
    }

    [Fact]
    public async Task The_webhook_server_answers_admission_reviews_over_the_managed_certificate()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var rotator = new WebhookCertificateRotator(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);
        var certificate = await rotator.CheckAsync(CancellationToken.None);
        await using var server = await AdmissionWebhookServer.StartAsync(0, () => rotator.ServingCertificate, CancellationToken.None);
        using var handler = new SocketsHttpHandler
        {
            // Call the Service's name, as the API server does, reaching it on 127.0.0.1.
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync("127.0.0.1", server.Address.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = TrustingOnly(certificate.CaPem) },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://{ServiceHost}:{server.Address.Port}/") };
        var obj = AdmissionReviewHandlerTests.Sample("inferenceservice-none");
        obj["spec"]!["replicas"] = -2;

        using var response = await http.PostAsJsonAsync(AdmissionWebhookServer.ValidatePath, AdmissionReviewHandlerTests.Review(obj));

        response.EnsureSuccessStatusCode();
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!["allowed"]!.GetValue<bool>().Should().BeFalse();
    }

    [Fact]
    public async Task Running_rotators_repair_a_cleared_bundle()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var rotator = new WebhookCertificateRotator(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = rotator.RunAsync(stop.Token);
        try
        {
            await OperatorTestEnvironment.WaitUntilAsync(() => cluster.CaBundles().All(b => b is not null), "the bundles are written");
            var bundle = cluster.CaBundles()[0];
            cluster.Emulator.PutObject(WebhookCertificateCluster.Configuration("ValidatingWebhookConfiguration", WebhookCertificateCluster.Validating, "/validate"));
            cluster.CaBundles().Should().Contain((string?)null);

            await OperatorTestEnvironment.WaitUntilAsync(() => cluster.CaBundles().All(b => b == bundle), "the cleared bundle is written again");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task A_failed_check_is_retried_and_remembered_until_it_succeeds()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync(withConfigurations: false);
        var rotator = new WebhookCertificateRotator(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);
        cluster.Emulator.Faults.FailNext(1, 403, "GET", "/secrets/");
        using var stop = new CancellationTokenSource();
        var run = rotator.RunAsync(stop.Token);
        try
        {
            await OperatorTestEnvironment.WaitUntilAsync(() => rotator.LastError?.Contains("does not exist") == true, "the missing configuration is reported");
            rotator.HasCertificate.Should().BeTrue("the certificate is served even while a configuration is missing");
            cluster.Emulator.Requests.Should().Contain(r => r.Method == "GET" && r.Path.EndsWith("/secrets/" + WebhookCertificateCluster.SecretName, StringComparison.Ordinal) && r.StatusCode == 403);

            cluster.Emulator.PutObject(WebhookCertificateCluster.Configuration("ValidatingWebhookConfiguration", WebhookCertificateCluster.Validating, "/validate"));
            cluster.Emulator.PutObject(WebhookCertificateCluster.Configuration("MutatingWebhookConfiguration", WebhookCertificateCluster.Mutating, "/mutate"));
            await OperatorTestEnvironment.WaitUntilAsync(() => rotator.LastError is null && cluster.CaBundles().All(b => b is not null), "the bundles are written once the configurations exist");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task The_operator_is_not_ready_until_it_serves_a_certificate()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        foreach (var entity in Operator.Crds.CrdGenerator.Entities) cluster.Emulator.PutObject(Operator.Crds.CrdGenerator.Generate(entity));
        // Secrets are forbidden at first, as with a missing Role.
        cluster.Emulator.Faults.FailNext(1000, 403, "GET", "/secrets/");
        var options = new OperatorOptions
        {
            Identity = "certificate-probe",
            HttpPort = 0,
            WebhookPort = 0,
            DisableLeaderElection = true,
            WatchNamespace = WebhookCertificateCluster.Ns,
            WebhookCertificateSecret = WebhookCertificateCluster.SecretName,
            WebhookNamespace = WebhookCertificateCluster.Ns,
            WebhookServiceName = WebhookCertificateCluster.ServiceName,
            ValidatingWebhookConfiguration = WebhookCertificateCluster.Validating,
            MutatingWebhookConfiguration = WebhookCertificateCluster.Mutating,
            WebhookCertificateRecheckInterval = TimeSpan.FromMilliseconds(200),
        };
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Critical));
        await using var host = new OperatorHost(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Kubeconfig), options, loggers);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => host.RunAsync(stop.Token));
        try
        {
            await OperatorTestEnvironment.WaitUntilAsync(() => host.HttpAddress is not null && host.WebhookCertificates!.LastError is not null, "the first check failed");
            using var http = new HttpClient { BaseAddress = host.HttpAddress };
            using (var notReady = await http.GetAsync("/readyz"))
            {
                ((int)notReady.StatusCode).Should().Be(503);
                (await notReady.Content.ReadAsStringAsync()).Should().Contain("no webhook certificate yet").And.Contain("403").And.Contain("secrets \"quantserve-webhook-tls\"");
            }

            cluster.Emulator.Faults.Clear();
            await OperatorTestEnvironment.WaitUntilAsync(() => host.IsReady, "the operator serves a certificate and its caches are synced");
            using (var ready = await http.GetAsync("/readyz"))
                ready.IsSuccessStatusCode.Should().BeTrue();
            var certificate = WebhookCertificate.FromSecret(cluster.Secret()!)!;
            using var presented = await HandshakeAsync(host.WebhookServer!.Address, certificate.CaPem);
            presented.ExportCertificatePem().Should().Be(certificate.CertificatePem.TrimEnd());
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    [Theory]
    [InlineData("--webhook-cert-secret without --webhook-service", true, false, false)]
    [InlineData("--webhook-cert-secret with --webhook-cert", true, true, true)]
    [InlineData("neither a Secret nor files", false, false, false)]
    public void Contradictory_or_missing_webhook_certificate_flags_are_refused(string because, bool secret, bool service, bool files)
    {
        var options = new OperatorOptions
        {
            WebhookPort = 9443,
            WebhookCertificateSecret = secret ? "s" : null,
            WebhookServiceName = service ? "svc" : null,
            WebhookCertificatePath = files ? "tls.crt" : null,
            WebhookKeyPath = files ? "tls.key" : null,
        };
        options.Invoking(o => OperatorHost.ManagedCertificateSettings(o)).Should().Throw<ArgumentException>(because);
    }
}
