namespace QuantServe.Engine.Hub;

/// <summary>
/// The Hugging Face cache layout of one model, shared with huggingface_hub, transformers and TGI:
/// <code>
/// {cache}/models--{org}--{name}/blobs/{etag}                 file contents, named by git sha1 or LFS sha256
/// {cache}/models--{org}--{name}/snapshots/{commit}/{file}    relative symlinks to ../../blobs/{etag}
/// {cache}/models--{org}--{name}/refs/{revision}              the commit a branch or tag pointed at
/// {cache}/.locks/models--{org}--{name}/{etag}.lock           one lock per blob
/// </code>
/// </summary>
internal sealed class HubCacheLayout
{
    public HubCacheLayout(string cacheDirectory, string repoId)
    {
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        FolderName = "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);
        RepoDirectory = Path.Combine(CacheDirectory, FolderName);
    }

    public string CacheDirectory { get; }
    public string FolderName { get; }
    public string RepoDirectory { get; }

    public string BlobPath(string etag) => Path.Combine(RepoDirectory, "blobs", etag);
    public string LockPath(string etag) => Path.Combine(CacheDirectory, ".locks", FolderName, etag + ".lock");
    public string SnapshotDirectory(string commitSha) => Path.Combine(RepoDirectory, "snapshots", commitSha);
    public string PointerPath(string commitSha, string fileName) => Path.Combine(SnapshotDirectory(commitSha), Path.Combine(fileName.Split('/')));
    public string RefPath(string revision) => Path.Combine(RepoDirectory, "refs", Path.Combine(revision.Split('/')));

    /// <summary>The commit a cached branch or tag points at, or null when the cache has no such ref.</summary>
    public string? ReadRef(string revision)
    {
        string path = RefPath(revision);
        if (!File.Exists(path))
            return null;
        string sha = File.ReadAllText(path).Trim();
        return HubIdentifiers.IsCommitSha(sha) ? sha : null;
    }

    /// <summary>Records which commit a branch or tag resolved to (nothing to record for a commit sha).</summary>
    public void WriteRef(string revision, string commitSha)
    {
        if (revision == commitSha || ReadRef(revision) == commitSha)
            return;
        string path = RefPath(revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, commitSha); // huggingface_hub writes the bare sha, no newline
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// True when <paramref name="path"/> is a file or a link that leads to one. File.Exists alone is not enough:
    /// on Unix it is also true for a symlink whose blob was deleted.
    /// </summary>
    public static bool FileIsPresent(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return false;
        return info.LinkTarget is null || info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true };
    }

    /// <summary>Points <paramref name="pointerPath"/> at the blob with a relative symlink, replacing whatever was there atomically.</summary>
    public static void LinkPointer(string pointerPath, string blobPath)
    {
        string directory = Path.GetDirectoryName(pointerPath)!;
        Directory.CreateDirectory(directory);
        string target = Path.GetRelativePath(directory, blobPath);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(pointerPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.CreateSymbolicLink(temporary, target);
        try
        {
            File.Move(temporary, pointerPath, overwrite: true); // rename(2): readers see the old link or the new one
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
