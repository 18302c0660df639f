using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace QuantServe.Operator.Certificates;

/// <summary>Makes a self-signed CA and a serving certificate it signs, both ECDSA P-256: the API server
/// trusts the CA through caBundle, the webhook server presents the serving certificate.</summary>
public static class WebhookCertificateGenerator
{
    /// <summary>Tolerates clocks of other nodes a little behind ours.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);

    /// <param name="dnsNames">Subject alternative names; the first is also the common name.</param>
    /// <param name="previousCaPem">A CA to keep trusting next to the new one (a renewal), or null.</param>
    public static WebhookCertificate Generate(IReadOnlyList<string> dnsNames, DateTimeOffset now, TimeSpan validity, string? previousCaPem = null)
    {
        if (dnsNames.Count == 0) throw new ArgumentException("a webhook certificate needs at least one DNS name", nameof(dnsNames));
        var notBefore = now - ClockSkew;
        var notAfter = now + validity;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={dnsNames[0]}-ca, O=quantserve-operator", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var caIdentifier = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false);
        caRequest.CertificateExtensions.Add(caIdentifier);
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={dnsNames[0]}", leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) names.AddDnsName(name);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(caIdentifier));
        using var leaf = leafRequest.Create(ca, notBefore, notAfter, SerialNumber());

        var caPem = ca.ExportCertificatePem() + "\n";
        if (previousCaPem is not null) caPem += previousCaPem.TrimEnd() + "\n";
        return new WebhookCertificate(caPem, leaf.ExportCertificatePem() + "\n", leafKey.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>A random positive 128-bit serial number (RFC 5280: unique per CA, at most 20 bytes).</summary>
    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
