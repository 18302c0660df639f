using System.Security.Cryptography;
using System.Text;

namespace QuantServe.Engine.Tests.Hub;

/// <summary>One file of a fake repository: its bytes, whether the hub stores it in LFS, and what the hub claims about it.</summary>
internal sealed class FakeHubFile
{
    public FakeHubFile(byte[] content, bool lfs)
    {
        Content = content;
        Lfs = lfs;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
        GitSha1 = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
    }

    public byte[] Content { get; }
    public bool Lfs { get; }
    public string Sha256 { get; }
    public string GitSha1 { get; }

    /// <summary>The sha256 the hub advertises in X-Linked-Etag; a test sets a wrong one to simulate corruption.</summary>
    public string? AdvertisedSha256 { get; set; }

    /// <summary>The blob id the hub reports: X-Linked-Etag for LFS files, ETag for git files.</summary>
    public string Etag => Lfs ? AdvertisedSha256 ?? Sha256 : GitSha1;
}
