using System.Security.Cryptography.X509Certificates;
using QuantServe.Operator.Certificates;

namespace QuantServe.Operator.Tests.Certificates;

public sealed class WebhookCertificateGeneratorTests
{
    private static readonly IReadOnlyList<string> Names = WebhookCertificateCluster.Settings.DnsNames;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    internal static bool ChainsTo(string certificatePem, string caPem)
    {
        using var leaf = X509Certificate2.CreateFromPem(certificatePem);
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(caPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    internal static IReadOnlyList<string> DnsNamesOf(string certificatePem)
    {
        using var leaf = X509Certificate2.CreateFromPem(certificatePem);
        return leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
    }

    [Fact]
    public void A_generated_certificate_names_the_service_and_chains_to_its_ca()
    {
        var certificate = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));

        DnsNamesOf(certificate.CertificatePem).Should().Contain(["quantserve-webhook.quantserve-system.svc", "quantserve-webhook.quantserve-system.svc.cluster.local"]);
        ChainsTo(certificate.CertificatePem, certificate.CaPem).Should().BeTrue();
        certificate.Problem(Names, Now, TimeSpan.FromDays(30)).Should().BeNull();
        using var ca = X509Certificate2.CreateFromPem(certificate.CaPem);
        ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeTrue();
        using var leaf = X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.KeyPem);
        leaf.HasPrivateKey.Should().BeTrue();
        leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.Should().BeFalse();
        leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages[0]!.Value.Should().Be("1.3.6.1.5.5.7.3.1");
        leaf.NotAfter.ToUniversalTime().Should().BeCloseTo(Now.UtcDateTime.AddDays(365), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Each_generation_makes_a_new_ca()
    {
        var first = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        var second = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        second.CaPem.Should().NotBe(first.CaPem);
        ChainsTo(second.CertificatePem, first.CaPem).Should().BeFalse();
    }

    [Fact]
    public void A_renewal_keeps_the_previous_ca_trusted_after_the_new_one()
    {
        var old = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        var renewed = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365), old.CurrentCaPemValidAt(Now));

        renewed.CaPem.Should().EndWith(old.CaPem.TrimEnd() + "\n");
        ChainsTo(renewed.CertificatePem, renewed.CaPem).Should().BeTrue();
        ChainsTo(old.CertificatePem, renewed.CaPem).Should().BeTrue("replicas still serving the old certificate stay trusted");
        X509Certificate2.CreateFromPem(renewed.CaPem).Thumbprint.Should().NotBe(X509Certificate2.CreateFromPem(old.CaPem).Thumbprint, "the new CA comes first");
    }

    [Fact]
    public void An_expired_ca_is_not_carried_into_a_renewal()
    {
        var old = WebhookCertificateGenerator.Generate(Names, Now.AddDays(-400), TimeSpan.FromDays(365));
        old.CurrentCaPemValidAt(Now).Should().BeNull();
    }

    [Fact]
    public void A_certificate_within_the_renewal_window_has_a_problem_naming_its_expiry()
    {
        var certificate = WebhookCertificateGenerator.Generate(Names, Now.AddDays(-340), TimeSpan.FromDays(365));
        certificate.Problem(Names, Now, TimeSpan.FromDays(30)).Should().Contain("expires at").And.Contain("renewal window of 30 days");
        certificate.Problem(Names, Now, TimeSpan.FromDays(20)).Should().BeNull("25 days are left");
    }

    [Fact]
    public void A_certificate_for_another_service_has_a_problem_naming_the_missing_names()
    {
        var certificate = WebhookCertificateGenerator.Generate(["other.quantserve-system.svc"], Now, TimeSpan.FromDays(365));
        certificate.Problem(Names, Now, TimeSpan.FromDays(30)).Should().Contain("does not name").And.Contain("quantserve-webhook.quantserve-system.svc");
    }

    [Fact]
    public void A_certificate_of_another_ca_has_a_problem()
    {
        var first = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        var second = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        (first with { CaPem = second.CaPem }).Problem(Names, Now, TimeSpan.FromDays(30)).Should().Contain("does not chain to ca.crt");
    }

    [Fact]
    public void Text_that_is_no_certificate_has_a_problem()
    {
        var certificate = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        (certificate with { CertificatePem = "not a certificate" }).Problem(Names, Now, TimeSpan.FromDays(30)).Should().Contain("does not parse");
        var other = WebhookCertificateGenerator.Generate(Names, Now, TimeSpan.FromDays(365));
        (certificate with { KeyPem = other.KeyPem }).Problem(Names, Now, TimeSpan.FromDays(30)).Should().Contain("does not parse", "the key belongs to another certificate");
    }

    [Theory]
    [InlineData(365, 0)]
    [InlineData(365, 365)]
    [InlineData(1, 0.5)]
    public void Settings_refuse_a_renewal_window_that_cannot_work(double validityDays, double renewDays)
    {
        var settings = WebhookCertificateCluster.Settings with { Validity = TimeSpan.FromDays(validityDays), RenewBefore = TimeSpan.FromDays(renewDays) };
        settings.Invoking(s => s.Validate()).Should().Throw<ArgumentException>();
    }
}
