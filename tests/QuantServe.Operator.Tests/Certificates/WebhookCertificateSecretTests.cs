using System.Security.Cryptography.X509Certificates;
using System.Text;
using QuantServe.Operator.Certificates;
using static QuantServe.Operator.Tests.Certificates.WebhookCertificateGeneratorTests;

namespace QuantServe.Operator.Tests.Certificates;

public sealed class WebhookCertificateSecretTests
{
    private static readonly IReadOnlyList<string> Names = WebhookCertificateCluster.Settings.DnsNames;

    private static string Decoded(System.Text.Json.Nodes.JsonObject secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]![key]!.GetValue<string>()));

    private static string CaThumbprint(string caPem) => X509Certificate2.CreateFromPem(caPem).Thumbprint;

    [Fact]
    public async Task A_missing_secret_is_created_with_a_ca_and_a_serving_certificate_for_the_service()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();

        var (certificate, outcome) = await cluster.NewSecret().EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Created);
        var secret = cluster.Secret()!;
        secret["type"]!.GetValue<string>().Should().Be("kubernetes.io/tls");
        secret["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>().Should().Be("quantserve-operator");
        secret["metadata"]!["labels"]!.AsObject().Should().NotContain(p => p.Key == "app.kubernetes.io/instance", "Argo CD would prune a Secret with its instance label");
        Decoded(secret, "ca.crt").Should().Be(certificate.CaPem);
        Decoded(secret, "tls.crt").Should().Be(certificate.CertificatePem);
        Decoded(secret, "tls.key").Should().StartWith("-----BEGIN PRIVATE KEY-----");
        DnsNamesOf(Decoded(secret, "tls.crt")).Should().Contain(["quantserve-webhook.quantserve-system.svc", "quantserve-webhook.quantserve-system.svc.cluster.local"]);
        ChainsTo(Decoded(secret, "tls.crt"), Decoded(secret, "ca.crt")).Should().BeTrue();
    }

    [Fact]
    public async Task A_valid_secret_is_reused_byte_for_byte_without_a_write()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var existing = WebhookCertificateGenerator.Generate(Names, DateTimeOffset.UtcNow, TimeSpan.FromDays(365));
        var before = cluster.PutSecret(existing);

        var (certificate, outcome) = await cluster.NewSecret().EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Reused);
        certificate.Should().Be(existing);
        var after = cluster.Secret()!;
        after["data"]!.ToJsonString().Should().Be(before["data"]!.ToJsonString());
        after["metadata"]!["resourceVersion"]!.GetValue<string>().Should().Be(before["metadata"]!["resourceVersion"]!.GetValue<string>());
        cluster.Emulator.Requests.Should().NotContain(r => r.Method == "PUT" || r.Method == "POST");
    }

    [Fact]
    public async Task A_secret_within_the_renewal_window_is_renewed_and_keeps_the_old_ca_trusted()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var expiring = WebhookCertificateGenerator.Generate(Names, DateTimeOffset.UtcNow.AddDays(-340), TimeSpan.FromDays(365));
        cluster.PutSecret(expiring);

        var (certificate, outcome) = await cluster.NewSecret().EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Renewed);
        var secret = cluster.Secret()!;
        Decoded(secret, "tls.crt").Should().Be(certificate.CertificatePem).And.NotBe(expiring.CertificatePem);
        X509Certificate2.CreateFromPem(certificate.CertificatePem).NotAfter.Should().BeAfter(DateTime.UtcNow.AddDays(300));
        CaThumbprint(Decoded(secret, "ca.crt")).Should().NotBe(CaThumbprint(expiring.CaPem));
        ChainsTo(expiring.CertificatePem, Decoded(secret, "ca.crt")).Should().BeTrue("the old CA stays in ca.crt until it expires");
        ChainsTo(certificate.CertificatePem, Decoded(secret, "ca.crt")).Should().BeTrue();
    }

    [Fact]
    public async Task A_secret_for_another_service_name_is_renewed()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        cluster.PutSecret(WebhookCertificateGenerator.Generate(["old-webhook.quantserve-system.svc"], DateTimeOffset.UtcNow, TimeSpan.FromDays(365)));

        var (certificate, outcome) = await cluster.NewSecret().EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Renewed);
        DnsNamesOf(certificate.CertificatePem).Should().Contain("quantserve-webhook.quantserve-system.svc");
        Decoded(cluster.Secret()!, "tls.crt").Should().Be(certificate.CertificatePem);
    }

    [Fact]
    public async Task A_secret_with_garbage_is_renewed()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var garbage = WebhookCertificateGenerator.Generate(Names, DateTimeOffset.UtcNow, TimeSpan.FromDays(365)) with { CertificatePem = "garbage" };
        cluster.PutSecret(garbage);

        var (_, outcome) = await cluster.NewSecret().EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Renewed);
        (await cluster.NewSecret().EnsureAsync(CancellationToken.None)).Outcome.Should().Be(WebhookCertificateSecret.Outcome.Reused);
    }

    [Fact]
    public async Task Two_replicas_creating_at_once_end_with_the_winners_certificate()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var winner = cluster.NewSecret();
        WebhookCertificate? won = null;
        // The loser has read "absent"; the winner creates the Secret just before the loser's POST goes out.
        var loser = cluster.NewSecret(cluster.NewApi(new BeforeRequestHandler(HttpMethod.Post, async () => won = (await winner.EnsureAsync(CancellationToken.None)).Certificate)));

        var (lost, outcome) = await loser.EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Reused);
        lost.Should().Be(won);
        cluster.Emulator.Requests.Where(r => r.Method == "POST").Select(r => r.StatusCode).Should().BeEquivalentTo([201, 409]);
        WebhookCertificate.FromSecret(cluster.Secret()!).Should().Be(won);
    }

    [Fact]
    public async Task Two_replicas_renewing_at_once_end_with_the_winners_certificate()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        cluster.PutSecret(WebhookCertificateGenerator.Generate(Names, DateTimeOffset.UtcNow.AddDays(-364), TimeSpan.FromDays(365)));
        var winner = cluster.NewSecret();
        WebhookCertificate? won = null;
        var loser = cluster.NewSecret(cluster.NewApi(new BeforeRequestHandler(HttpMethod.Put, async () => won = (await winner.EnsureAsync(CancellationToken.None)).Certificate)));

        var (lost, outcome) = await loser.EnsureAsync(CancellationToken.None);

        outcome.Should().Be(WebhookCertificateSecret.Outcome.Reused);
        lost.Should().Be(won);
        cluster.Emulator.Requests.Where(r => r.Method == "PUT").Select(r => r.StatusCode).Should().BeEquivalentTo([200, 409]);
        WebhookCertificate.FromSecret(cluster.Secret()!).Should().Be(won);
    }

    [Fact]
    public async Task Many_replicas_starting_together_agree_on_one_ca()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var replicas = Enumerable.Range(0, 4).Select(_ => cluster.NewSecret()).ToList();

        var results = await Task.WhenAll(replicas.Select(r => r.EnsureAsync(CancellationToken.None)));

        results.Select(r => r.Certificate).Distinct().Should().ContainSingle();
        results.Count(r => r.Outcome == WebhookCertificateSecret.Outcome.Created).Should().Be(1);
        WebhookCertificate.FromSecret(cluster.Secret()!).Should().Be(results[0].Certificate);
    }

    [Fact]
    public async Task A_forbidden_read_names_the_secret_the_status_and_the_permission()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        cluster.Emulator.Faults.FailNext(1, 403, "GET", "/secrets/");

        var act = () => cluster.NewSecret().EnsureAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<WebhookCertificateException>()).Which.Message
            .Should().Contain("get secrets \"quantserve-webhook-tls\" in namespace \"quantserve-system\"").And.Contain("403").And.Contain("lacks this permission");
    }

    [Fact]
    public async Task A_forbidden_create_names_the_verb_and_the_secret()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        cluster.Emulator.Faults.FailNext(1, 403, "POST", "/secrets");

        var act = () => cluster.NewSecret().EnsureAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<WebhookCertificateException>()).Which.Message.Should().Contain("create secrets \"quantserve-webhook-tls\"").And.Contain("403");
    }
}
