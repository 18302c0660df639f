using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Hub;

/// <summary>
/// Puts what serving needs of a hub model into the Hugging Face cache and returns its snapshot directory, as
/// huggingface_hub's snapshot_download does: the revision is pinned to a commit once, files already in the
/// snapshot cost no request, partial downloads resume, LFS blobs are checked against their sha256, and without
/// a network (HF_HUB_OFFLINE, or the hub unreachable) a warm cache still resolves.
/// </summary>
public sealed class ModelDownloader : IDisposable
{
    private readonly HubOptions _options;
    private readonly HubClient _client;
    private readonly BlobDownloader _blobs;

    public ModelDownloader()
        : this(HubOptions.FromEnvironment())
    {
    }

    public ModelDownloader(HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _client = new HubClient(options);
        _blobs = new BlobDownloader(_client, options);
    }

    /// <summary>
    /// The hub cache root, as huggingface_hub resolves it: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else
    /// $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
    /// </summary>
    public static string ResolveCacheDirectory() =>
        ResolveCacheDirectory(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string ResolveCacheDirectory(Func<string, string?> environment, string home)
    {
        string? Variable(string name) => environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? ExpandHome(value.Trim(), home) : null;

        return Variable("HF_HUB_CACHE")
            ?? Variable("HUGGINGFACE_HUB_CACHE")
            ?? (Variable("HF_HOME") is { } hfHome ? Path.Combine(hfHome, "hub") : null)
            ?? Path.Combine(Variable("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache"), "huggingface", "hub");
    }

    /// <summary>
    /// Downloads config, tokenizer and safetensors files of <paramref name="repoId"/> at <paramref name="revision"/>
    /// (a branch, tag or commit sha) and returns <c>{cache}/models--org--name/snapshots/{commit}</c>.
    /// A model id that is an existing local directory is returned as is.
    /// </summary>
    /// <exception cref="HubException">The hub refused, lacks the repo, revision or safetensors, or a file failed its check; or offline without the files.</exception>
    /// <exception cref="ArgumentException">The id is neither a directory nor a valid repo id, or the revision is malformed.</exception>
    public async Task<string> DownloadAsync(string repoId, string revision = "main", CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repoId);
        ArgumentNullException.ThrowIfNull(revision);
        if (Directory.Exists(repoId))
            return repoId;
        HubIdentifiers.ValidateRepoId(repoId);
        HubIdentifiers.ValidateRevision(revision);

        var cache = new HubCacheLayout(_options.CacheDirectory, repoId);
        if (_options.Offline)
            return ResolveFromCache(cache, repoId, revision, "offline mode is on (HF_HUB_OFFLINE)");

        RepositoryInfo info;
        try
        {
            info = await _client.GetRepositoryInfoAsync(repoId, revision, ct);
        }
        catch (HubException e) when (e.Kind == HubErrorKind.Unreachable)
        {
            Report($"{e.Message}; looking for {repoId} revision '{revision}' in the cache {cache.CacheDirectory}");
            return ResolveFromCache(cache, repoId, revision, e.Message);
        }

        string commit = info.CommitSha;
        if (HubIdentifiers.IsCommitSha(revision) && revision != commit)
            throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}: asked for commit {revision} but the hub answered with commit {commit}");

        IReadOnlyList<string> metadata = ServingFileSelector.SelectMetadata(info.Files, repoId, revision);
        bool sharded = ServingFileSelector.HasIndex(info.Files);
        // without an index, know before downloading anything whether there are safetensors at all
        IReadOnlyList<string>? weights = sharded ? null : ServingFileSelector.SelectWeights(info.Files, index: null, repoId, revision);

        cache.WriteRef(revision, commit);
        Report($"{repoId}: revision '{revision}' is commit {commit}");
        foreach (string name in metadata)
            await EnsureFileAsync(cache, repoId, commit, name, ct);
        if (weights is null)
        {
            await EnsureFileAsync(cache, repoId, commit, SafetensorsIndex.FileName, ct);
            weights = ServingFileSelector.SelectWeights(info.Files, ReadIndex(cache.PointerPath(commit, SafetensorsIndex.FileName), repoId), repoId, revision);
        }

        foreach (string name in weights)
            await EnsureFileAsync(cache, repoId, commit, name, ct);

        string snapshot = cache.SnapshotDirectory(commit);
        Report($"{repoId}: {metadata.Count + weights.Count + (sharded ? 1 : 0)} files ready in {snapshot}");
        return snapshot;
    }

    public void Dispose() => _client.Dispose();

    private async Task EnsureFileAsync(HubCacheLayout cache, string repoId, string commit, string fileName, CancellationToken ct)
    {
        HubIdentifiers.ValidateFileName(fileName);
        string pointer = cache.PointerPath(commit, fileName);
        if (HubCacheLayout.FileIsPresent(pointer)) // a link whose blob is gone does not count
            return;

        HubFileMetadata file = await _client.GetFileMetadataAsync(repoId, commit, fileName, ct);
        if (file.CommitSha is { } served && served != commit)
            throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}/{fileName}: asked for commit {commit} but the hub served commit {served} (X-Repo-Commit)");

        string blob = cache.BlobPath(file.Etag);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        using (await BlobLock.AcquireAsync(cache.LockPath(file.Etag), () => Report($"  {fileName}: waiting for another download of the same blob"), ct))
        {
            // the other holder may have finished it while we waited
            if (!File.Exists(blob))
                await _blobs.DownloadAsync(file, repoId, blob, ct);
            HubCacheLayout.LinkPointer(pointer, blob);
        }
    }

    private static SafetensorsIndex ReadIndex(string path, string repoId)
    {
        try
        {
            return SafetensorsIndex.Read(path);
        }
        catch (SafetensorsException e)
        {
            throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}: {e.Message}", e);
        }
    }

    private static string ResolveFromCache(HubCacheLayout cache, string repoId, string revision, string reason)
    {
        string remedy = $"Download it once with network access (quantserve download-weights {repoId} --revision {revision}), or mount a cache that holds it (--huggingface-hub-cache, HUGGINGFACE_HUB_CACHE, HF_HOME).";
        string? commit = HubIdentifiers.IsCommitSha(revision) ? revision : cache.ReadRef(revision);
        if (commit is null)
        {
            throw new HubException(HubErrorKind.NotCached,
                $"{repoId}: {reason}, and the cache {cache.CacheDirectory} has no revision '{revision}' of it (no {cache.RefPath(revision)}). {remedy}");
        }

        string snapshot = cache.SnapshotDirectory(commit);
        List<string> missing = MissingServingFiles(snapshot);
        if (missing.Count > 0)
        {
            throw new HubException(HubErrorKind.NotCached,
                $"{repoId}: {reason}, and the cached snapshot {snapshot} of revision '{revision}' lacks {string.Join(", ", missing)}. {remedy}");
        }

        return snapshot;
    }

    /// <summary>What a cached snapshot lacks to be served: config.json, the weights (every shard of the index), blobs behind links.</summary>
    private static List<string> MissingServingFiles(string snapshot)
    {
        var missing = new List<string>();
        if (!Directory.Exists(snapshot))
            return ["the whole snapshot directory"];
        if (!HubCacheLayout.FileIsPresent(Path.Combine(snapshot, ServingFileSelector.ConfigFile)))
            missing.Add(ServingFileSelector.ConfigFile);

        string indexPath = Path.Combine(snapshot, SafetensorsIndex.FileName);
        if (File.Exists(indexPath))
        {
            try
            {
                missing.AddRange(SafetensorsIndex.Read(indexPath).WeightMap.Values.Distinct(StringComparer.Ordinal)
                    .Where(shard => !HubCacheLayout.FileIsPresent(Path.Combine(snapshot, shard))).Order(StringComparer.Ordinal));
            }
            catch (SafetensorsException e)
            {
                missing.Add($"a readable {SafetensorsIndex.FileName} ({e.Message})");
            }
        }
        else if (!Directory.EnumerateFiles(snapshot, "*.safetensors").Any(HubCacheLayout.FileIsPresent))
        {
            missing.Add("*.safetensors weights");
        }

        foreach (string entry in Directory.EnumerateFileSystemEntries(snapshot, "*", SearchOption.AllDirectories))
        {
            if (new FileInfo(entry).LinkTarget is not null && !HubCacheLayout.FileIsPresent(entry) && !Directory.Exists(entry))
                missing.Add($"{Path.GetRelativePath(snapshot, entry)} (its blob is gone)");
        }

        return missing;
    }

    private static string ExpandHome(string path, string home) =>
        path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;

    private void Report(string line)
    {
        if (_options.Progress is { } writer)
        {
            lock (writer)
            {
                writer.WriteLine(line);
                writer.Flush();
            }
        }
    }
}
