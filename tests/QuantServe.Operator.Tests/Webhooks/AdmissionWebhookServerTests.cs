using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Operator.Tests.Webhooks;

public class AdmissionWebhookServerTests
{
    [Fact]
    public async Task Server_AnswersAdmissionReviewsOverTls_WithTheGivenCertificate()
    {
        var dir = Directory.CreateTempSubdirectory("webhook-tls-").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=quantserve-operator-webhook.quantserve-system.svc", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(dir, "tls.crt"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "tls.key"), key.ExportPkcs8PrivateKeyPem());

            await using var server = await AdmissionWebhookServer.StartAsync(0, Path.Combine(dir, "tls.crt"), Path.Combine(dir, "tls.key"), CancellationToken.None);
            server.Address.Scheme.Should().Be("https");
            string? seenThumbprint = null;
            using var handler = new HttpClientHandler
            {
                // Trust exactly our self-signed certificate, as the API server trusts the caBundle.
                ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                {
                    seenThumbprint = cert?.Thumbprint;
                    return cert?.Thumbprint == certificate.Thumbprint;
                },
            };
            using var http = new HttpClient(handler) { BaseAddress = server.Address };

            var obj = AdmissionReviewHandlerTests.Sample("inferenceservice-none");
            obj["spec"]!["replicas"] = -2;
            using var response = await http.PostAsJsonAsync(AdmissionWebhookServer.ValidatePath, AdmissionReviewHandlerTests.Review(obj));
            response.EnsureSuccessStatusCode();
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            answer["response"]!["allowed"]!.GetValue<bool>().Should().BeFalse();
            answer["response"]!["status"]!["message"]!.GetValue<string>().Should().Contain("spec.replicas: must be >= 0, got -2");
            seenThumbprint.Should().Be(certificate.Thumbprint);

            using var mutate = await http.PostAsJsonAsync(AdmissionWebhookServer.MutatePath, AdmissionReviewHandlerTests.Review(AdmissionReviewHandlerTests.Sample("inferenceservice-none")));
            JsonNode.Parse(await mutate.Content.ReadAsStringAsync())!["response"]!["allowed"]!.GetValue<bool>().Should().BeTrue();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task MissingCertificate_FailsNamingTheFile()
    {
        var act = () => AdmissionWebhookServer.StartAsync(0, "/nonexistent/tls.crt", "/nonexistent/tls.key", CancellationToken.None);
        (await act.Should().ThrowAsync<FileNotFoundException>()).Which.FileName.Should().Be("/nonexistent/tls.crt");
    }
}
