using System.Security.Cryptography;
using System.Text;

namespace QuantServe.Engine.Tests.Hub;

/// <summary>A fake hub repository: commits (sha to files) and refs (branch or tag to sha).</summary>
internal sealed class FakeHubRepo
{
    public FakeHubRepo(string id)
    {
        Id = id;
    }

    public string Id { get; }
    public Dictionary<string, Dictionary<string, FakeHubFile>> Commits { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Refs { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, file downloads need <c>Authorization: Bearer</c> with this token (a gated repo).</summary>
    public string? GatedToken { get; set; }

    /// <summary>Adds a commit and points <paramref name="branch"/> at it; *.safetensors, *.bin and other large files go to LFS.</summary>
    public string Commit(IReadOnlyDictionary<string, byte[]> files, string branch = "main")
    {
        string sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(Id + Guid.NewGuid())));
        Commits[sha] = files.ToDictionary(
            pair => pair.Key,
            pair => new FakeHubFile(pair.Value, lfs: pair.Key.EndsWith(".safetensors", StringComparison.Ordinal) || pair.Key.EndsWith(".bin", StringComparison.Ordinal) || pair.Value.Length > 10_000),
            StringComparer.Ordinal);
        Refs[branch] = sha;
        return sha;
    }

    public Dictionary<string, FakeHubFile>? Resolve(string revision, out string? sha)
    {
        sha = Commits.ContainsKey(revision) ? revision : Refs.GetValueOrDefault(revision);
        return sha is null ? null : Commits[sha];
    }
}
