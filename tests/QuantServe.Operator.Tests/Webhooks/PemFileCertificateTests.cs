using QuantServe.Operator.Certificates;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Operator.Tests.Webhooks;

public sealed class PemFileCertificateTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("webhook-pem-").FullName;
    private string CertificatePath => Path.Combine(dir, "tls.crt");
    private string KeyPath => Path.Combine(dir, "tls.key");

    private WebhookCertificate Write(DateTime stamp)
    {
        var certificate = WebhookCertificateGenerator.Generate(["quantserve-webhook.quantserve-system.svc"], DateTimeOffset.UtcNow, TimeSpan.FromDays(90));
        File.WriteAllText(CertificatePath, certificate.CertificatePem);
        File.WriteAllText(KeyPath, certificate.KeyPem);
        File.SetLastWriteTimeUtc(CertificatePath, stamp);
        File.SetLastWriteTimeUtc(KeyPath, stamp);
        return certificate;
    }

    [Fact]
    public void A_renewed_certificate_in_the_files_is_served_and_a_half_written_one_is_not()
    {
        var first = Write(DateTime.UtcNow.AddMinutes(-10));
        var files = new PemFileCertificate(CertificatePath, KeyPath, TimeSpan.Zero);
        files.Current.ExportCertificatePem().Should().Be(first.CertificatePem.TrimEnd());

        var renewed = Write(DateTime.UtcNow.AddMinutes(-5));
        files.Current.ExportCertificatePem().Should().Be(renewed.CertificatePem.TrimEnd());

        File.WriteAllText(CertificatePath, "-----BEGIN CERTIFICATE-----\ntruncated");
        File.SetLastWriteTimeUtc(CertificatePath, DateTime.UtcNow);
        files.Current.ExportCertificatePem().Should().Be(renewed.CertificatePem.TrimEnd());
    }

    [Fact]
    public void Unchanged_files_are_not_read_again_within_the_check_interval()
    {
        var first = Write(DateTime.UtcNow.AddMinutes(-10));
        var files = new PemFileCertificate(CertificatePath, KeyPath, TimeSpan.FromHours(1));
        Write(DateTime.UtcNow.AddMinutes(-5));
        files.Current.ExportCertificatePem().Should().Be(first.CertificatePem.TrimEnd());
    }

    [Fact]
    public void A_missing_key_file_is_named()
    {
        Write(DateTime.UtcNow);
        File.Delete(KeyPath);
        var act = () => new PemFileCertificate(CertificatePath, KeyPath);
        act.Should().Throw<FileNotFoundException>().Which.FileName.Should().Be(KeyPath);
    }

    public void Dispose() => Directory.Delete(dir, true);
}
