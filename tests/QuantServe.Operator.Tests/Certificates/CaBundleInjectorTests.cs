using Microsoft.Extensions.Logging.Abstractions;
using QuantServe.Operator.Certificates;

namespace QuantServe.Operator.Tests.Certificates;

public sealed class CaBundleInjectorTests
{
    private static readonly string Bundle = WebhookCertificateGenerator.Generate(WebhookCertificateCluster.Settings.DnsNames, DateTimeOffset.UtcNow, TimeSpan.FromDays(365)).CaBundle;

    [Fact]
    public async Task The_bundle_goes_into_every_webhook_of_both_configurations()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var injector = new CaBundleInjector(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);

        (await injector.InjectAsync(Bundle, CancellationToken.None)).Should().Be(4);

        cluster.CaBundles().Should().HaveCount(4).And.OnlyContain(b => b == Bundle);
        cluster.ValidatingConfiguration()!["webhooks"]![0]!["clientConfig"]!["service"]!["path"]!.GetValue<string>().Should().Be("/validate", "the rest of the configuration is kept");
    }

    [Fact]
    public async Task Nothing_is_written_when_every_webhook_already_has_the_bundle()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var injector = new CaBundleInjector(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);
        await injector.InjectAsync(Bundle, CancellationToken.None);
        var puts = cluster.Emulator.Requests.Count(r => r.Method == "PUT");

        (await injector.InjectAsync(Bundle, CancellationToken.None)).Should().Be(0);

        cluster.Emulator.Requests.Count(r => r.Method == "PUT").Should().Be(puts);
    }

    [Fact]
    public async Task A_cleared_bundle_is_written_again()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        var injector = new CaBundleInjector(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);
        await injector.InjectAsync(Bundle, CancellationToken.None);
        // A GitOps sync puts the rendered configuration (no caBundle) back.
        cluster.Emulator.PutObject(WebhookCertificateCluster.Configuration("MutatingWebhookConfiguration", WebhookCertificateCluster.Mutating, "/mutate"));

        (await injector.InjectAsync(Bundle, CancellationToken.None)).Should().Be(2);

        cluster.CaBundles().Should().OnlyContain(b => b == Bundle);
    }

    [Fact]
    public async Task A_concurrent_change_of_the_configuration_is_retried()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        cluster.Emulator.Faults.FailNext(1, 409, "PUT", "/validatingwebhookconfigurations/");
        var injector = new CaBundleInjector(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);

        (await injector.InjectAsync(Bundle, CancellationToken.None)).Should().Be(4);

        cluster.CaBundles().Should().OnlyContain(b => b == Bundle);
    }

    [Fact]
    public async Task A_missing_configuration_fails_naming_it_and_its_flag()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync(withConfigurations: false);
        var injector = new CaBundleInjector(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);

        var act = () => injector.InjectAsync(Bundle, CancellationToken.None);

        (await act.Should().ThrowAsync<WebhookCertificateException>()).Which.Message
            .Should().Contain("ValidatingWebhookConfiguration \"quantserve-validation\" does not exist").And.Contain("--validating-webhook-configuration");
    }

    [Fact]
    public async Task A_forbidden_update_names_the_configuration_and_the_status()
    {
        await using var cluster = await WebhookCertificateCluster.StartAsync();
        cluster.Emulator.Faults.FailNext(1, 403, "PUT", "/mutatingwebhookconfigurations/");
        var injector = new CaBundleInjector(cluster.NewApi(), WebhookCertificateCluster.Settings, NullLogger.Instance);

        var act = () => injector.InjectAsync(Bundle, CancellationToken.None);

        (await act.Should().ThrowAsync<WebhookCertificateException>()).Which.Message
            .Should().Contain("update mutatingwebhookconfigurations.admissionregistration.k8s.io \"quantserve-defaults\"").And.Contain("403");
    }
}
