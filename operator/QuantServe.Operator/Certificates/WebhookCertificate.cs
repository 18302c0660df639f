using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace QuantServe.Operator.Certificates;

/// <summary>The webhook's CA bundle, serving certificate and key, as PEM text (the Secret's ca.crt, tls.crt and
/// tls.key). ca.crt may hold more than one CA: after a renewal the previous CA stays in it until it expires,
/// so replicas still serving the previous certificate are trusted until they reload.</summary>
public sealed record WebhookCertificate(string CaPem, string CertificatePem, string KeyPem)
{
    public const string CaKey = "ca.crt";
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";

    /// <summary>The caBundle field of a webhook configuration: ca.crt base64-encoded.</summary>
    public string CaBundle => Convert.ToBase64String(Encoding.UTF8.GetBytes(CaPem));

    /// <summary>Reads the three keys of a Secret; null when one is missing or not base64.</summary>
    public static WebhookCertificate? FromSecret(JsonObject secret)
    {
        var data = secret["data"] as JsonObject;
        string? Read(string key)
        {
            var text = data?[key]?.GetValue<string>();
            if (string.IsNullOrEmpty(text)) return null;
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(text));
            }
            catch (FormatException)
            {
                return null;
            }
        }
        var ca = Read(CaKey);
        var certificate = Read(CertificateKey);
        var key = Read(PrivateKeyKey);
        return ca is null || certificate is null || key is null ? null : new WebhookCertificate(ca, certificate, key);
    }

    /// <summary>The Secret's data (base64 values).</summary>
    public JsonObject ToSecretData() => new()
    {
        [CaKey] = CaBundle,
        [CertificateKey] = Convert.ToBase64String(Encoding.UTF8.GetBytes(CertificatePem)),
        [PrivateKeyKey] = Convert.ToBase64String(Encoding.UTF8.GetBytes(KeyPem)),
    };

    /// <summary>Why this certificate cannot serve <paramref name="dnsNames"/> until <paramref name="now"/> +
    /// <paramref name="renewBefore"/>; null when it can. Checks that the files parse, the key matches,
    /// the serving certificate is current, names every DNS name and chains to a CA in ca.crt.</summary>
    public string? Problem(IReadOnlyList<string> dnsNames, DateTimeOffset now, TimeSpan renewBefore)
    {
        X509Certificate2Collection authorities;
        X509Certificate2 leaf;
        try
        {
            authorities = [];
            authorities.ImportFromPem(CaPem);
            leaf = X509Certificate2.CreateFromPem(CertificatePem, KeyPem);
        }
        catch (CryptographicException e)
        {
            return $"it does not parse ({e.Message})";
        }
        catch (ArgumentException e)
        {
            return $"it does not parse ({e.Message})";
        }
        try
        {
            if (authorities.Count == 0) return $"{CaKey} holds no certificate";
            var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            if (notBefore > now + TimeSpan.FromMinutes(5)) return $"{CertificateKey} is not valid before {notBefore:u}";
            if (notAfter <= now + renewBefore) return $"{CertificateKey} expires at {notAfter:u}, within the renewal window of {renewBefore.TotalDays:0.#} days";
            var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var missing = dnsNames.Where(n => !names.Contains(n)).ToList();
            if (missing.Count > 0) return $"{CertificateKey} does not name {string.Join(", ", missing)}";
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            if (!chain.Build(leaf))
                return $"{CertificateKey} does not chain to {CaKey} ({string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))})";
            return null;
        }
        finally
        {
            leaf.Dispose();
            foreach (var authority in authorities) authority.Dispose();
        }
    }

    /// <summary>The first CA of ca.crt (the one that signed tls.crt when the operator wrote it), as PEM, if it
    /// parses and is still valid at <paramref name="now"/>: a renewal keeps it trusted next to the new CA.</summary>
    public string? CurrentCaPemValidAt(DateTimeOffset now)
    {
        try
        {
            using var ca = X509Certificate2.CreateFromPem(CaPem);
            return ca.NotAfter.ToUniversalTime() > now.UtcDateTime ? ca.ExportCertificatePem() : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The serving certificate with its key, ready for Kestrel.</summary>
    public X509Certificate2 ToServingCertificate()
    {
        using var pem = X509Certificate2.CreateFromPem(CertificatePem, KeyPem);
        return ForKestrel(pem);
    }

    /// <summary>A copy of a certificate read from PEM (with its key) whose key Kestrel can use on every platform:
    /// PEM-loaded keys are ephemeral, so the certificate round-trips through PKCS#12.</summary>
    public static X509Certificate2 ForKestrel(X509Certificate2 fromPem) =>
        X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), null);

    /// <summary>When the serving certificate expires (UTC).</summary>
    public DateTimeOffset NotAfter()
    {
        using var leaf = X509Certificate2.CreateFromPem(CertificatePem);
        return new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
    }
}
