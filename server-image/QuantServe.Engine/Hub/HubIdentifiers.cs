using System.Text.RegularExpressions;

namespace QuantServe.Engine.Hub;

/// <summary>
/// Checks the names that end up in URLs and cache paths: repo ids and revisions from the user, file names, commit
/// shas and ETags from the server. A hostile or broken server must not be able to write outside the cache.
/// </summary>
internal static partial class HubIdentifiers
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitShaPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex EtagPattern();

    /// <summary>A full git commit sha (40 lower-case hex digits), as the hub's <c>sha</c> and X-Repo-Commit give it.</summary>
    public static bool IsCommitSha(string revision) => CommitShaPattern().IsMatch(revision);

    /// <summary>LFS files have their sha256 as ETag; git files have a git sha1 (40 digits) instead.</summary>
    public static bool IsSha256(string etag) => Sha256Pattern().IsMatch(etag);

    public static void ValidateRepoId(string repoId)
    {
        if (repoId.Length > 96 || !RepoIdPattern().IsMatch(repoId) || repoId.Contains("--", StringComparison.Ordinal) || repoId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"model id '{repoId}' is neither an existing local directory nor a Hugging Face repo id ('name' or 'org/name': letters, digits, '.', '_', '-'; no '--' or '..'; at most 96 characters)");
        }
    }

    public static void ValidateRevision(string revision)
    {
        if (string.IsNullOrWhiteSpace(revision) || !IsSafeRelativePath(revision))
            throw new ArgumentException($"revision '{revision}' is not a branch, tag or commit sha (it must be a relative name without '..', '\\' or empty parts)");
    }

    /// <summary>A file name from the hub, made safe to join under a snapshot directory.</summary>
    public static string ValidateFileName(string fileName)
    {
        if (string.IsNullOrEmpty(fileName) || !IsSafeRelativePath(fileName))
            throw new HubException(HubErrorKind.InvalidResponse, $"the hub listed a file named '{fileName}', which is not a safe relative path; refusing to write it");
        return fileName;
    }

    /// <summary>Strips the quotes (and a weak <c>W/</c> prefix) of an ETag header and checks it can name a blob file.</summary>
    public static string NormalizeEtag(string header, string fileName)
    {
        string etag = header.Trim();
        if (etag.StartsWith("W/", StringComparison.Ordinal))
            etag = etag[2..];
        etag = etag.Trim('"');
        if (!EtagPattern().IsMatch(etag) || etag is "." or "..")
            throw new HubException(HubErrorKind.InvalidResponse, $"{fileName}: the hub gave the ETag '{header}', which cannot name a blob in the cache");
        return etag;
    }

    private static bool IsSafeRelativePath(string path) =>
        !path.StartsWith('/') && !path.Contains('\\') && !path.Contains('\0')
        && path.Split('/').All(part => part.Length > 0 && part != "." && part != "..");
}
