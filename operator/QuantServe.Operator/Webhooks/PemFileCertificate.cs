using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using QuantServe.Operator.Certificates;

namespace QuantServe.Operator.Webhooks;

/// <summary>A certificate and key read from PEM files (cert-manager's Secret, mounted) and read again when the
/// files change: the kubelet swaps a renewed Secret into the volume, and the server then presents it without a restart.</summary>
public sealed class PemFileCertificate
{
    private readonly string certificatePath;
    private readonly string keyPath;
    private readonly TimeSpan checkInterval;
    private readonly Lock gate = new();
    private volatile X509Certificate2 current;
    private (DateTime Certificate, DateTime Key) loadedStamps;
    private long nextCheckTicks;

    /// <summary>Reads the files now; throws <see cref="FileNotFoundException"/> naming a missing one.</summary>
    public PemFileCertificate(string certificatePath, string keyPath, TimeSpan? checkInterval = null)
    {
        if (!File.Exists(certificatePath)) throw new FileNotFoundException("webhook TLS certificate not found", certificatePath);
        if (!File.Exists(keyPath)) throw new FileNotFoundException("webhook TLS key not found", keyPath);
        this.certificatePath = certificatePath;
        this.keyPath = keyPath;
        this.checkInterval = checkInterval ?? TimeSpan.FromSeconds(30);
        loadedStamps = Stamps();
        current = Load();
        nextCheckTicks = Environment.TickCount64 + (long)this.checkInterval.TotalMilliseconds;
    }

    /// <summary>The certificate to present; the files are looked at again at most once per check interval.
    /// Files caught half-written keep the previous certificate until the next look.</summary>
    public X509Certificate2 Current
    {
        get
        {
            if (Environment.TickCount64 < Interlocked.Read(ref nextCheckTicks)) return current;
            lock (gate)
            {
                nextCheckTicks = Environment.TickCount64 + (long)checkInterval.TotalMilliseconds;
                try
                {
                    var stamps = Stamps();
                    if (stamps != loadedStamps)
                    {
                        current = Load();
                        loadedStamps = stamps;
                    }
                }
                catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
                {
                }
                return current;
            }
        }
    }

    private (DateTime, DateTime) Stamps() => (File.GetLastWriteTimeUtc(certificatePath), File.GetLastWriteTimeUtc(keyPath));

    private X509Certificate2 Load()
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return WebhookCertificate.ForKestrel(pem);
    }
}
