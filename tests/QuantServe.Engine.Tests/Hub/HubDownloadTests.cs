using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using QuantServe.Engine.Hub;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tokenization;
using QuantServe.Engine.Tools;

namespace QuantServe.Engine.Tests.Hub;

public sealed class HubDownloadTests : IAsyncLifetime
{
    private const string RepoId = "acme/tiny-llama";
    private readonly TemporaryDirectory _cache = new();
    private readonly StringWriter _progress = new();
    private FakeHub _hub = null!;

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _cache.Dispose();
    }

    [Fact]
    public async Task Download_IntoEmptyCache_WritesBlobsSnapshotLinksAndRef()
    {
        string commit = AddTinyRepo();

        string snapshot = await Download();

        string repoDir = _cache.Combine("models--acme--tiny-llama");
        snapshot.Should().Be(Path.Combine(repoDir, "snapshots", commit));
        File.ReadAllText(Path.Combine(repoDir, "refs", "main")).Should().Be(commit);
        Directory.EnumerateFileSystemEntries(snapshot, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Should().BeEquivalentTo(
            "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "quantize_config.json", "model.safetensors");

        var files = _hub.AddRepo(RepoId).Commits[commit];
        foreach (string name in Directory.EnumerateFiles(snapshot).Select(path => Path.GetFileName(path)!))
        {
            FakeHubFile expected = files[name];
            var link = new FileInfo(Path.Combine(snapshot, name));
            link.LinkTarget.Should().Be($"../../blobs/{expected.Etag}", "snapshot entries are relative symlinks to their blob");
            File.ReadAllBytes(link.FullName).Should().Equal(expected.Content);
        }

        files["model.safetensors"].Etag.Should().HaveLength(64, "LFS blobs are named by their sha256");
        files["config.json"].Etag.Should().HaveLength(40, "git blobs are named by their git sha1");
        Directory.EnumerateFiles(Path.Combine(repoDir, "blobs")).Should().HaveCount(7).And.NotContain(path => path.EndsWith(".incomplete", StringComparison.Ordinal));
        File.Exists(_cache.Combine(".locks", "models--acme--tiny-llama", files["model.safetensors"].Etag + ".lock")).Should().BeTrue();
        _progress.ToString().Should().Contain("downloading model.safetensors").And.Contain(commit);
    }

    [Fact]
    public async Task Download_SecondTime_MakesNoFileRequests()
    {
        AddTinyRepo();
        string first = await Download();
        _hub.Requests.Clear();

        string second = await Download();

        second.Should().Be(first);
        _hub.FileRequests.Should().BeEmpty();
        _hub.Requests.Should().ContainSingle(r => r.Path == $"/api/models/{RepoId}/revision/main");
    }

    [Fact]
    public async Task Download_ConnectionCutMidFile_ResumesWithRangeInTheSameCall()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        _hub.CutOnce(weights.Sha256, 100_000);

        string snapshot = await Download();

        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content);
        var cdnGets = _hub.Requests.Where(r => r.ToCdn && r.Path.EndsWith(weights.Sha256, StringComparison.Ordinal)).ToList();
        cdnGets.Select(r => r.Range).Should().Equal(null, "bytes=100000-");
        _progress.ToString().Should().Contain("resuming at byte 100000");
    }

    [Fact]
    public async Task Download_PartialFileLeftByAnEarlierRun_IsResumedFromItsLength()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        string blobs = _cache.Combine("models--acme--tiny-llama", "blobs");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, weights.Sha256 + ".incomplete"), weights.Content[..123_456]);

        string snapshot = await Download();

        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content);
        _hub.Requests.Where(r => r.ToCdn).Select(r => r.Range).Should().Equal("bytes=123456-");
        File.Exists(Path.Combine(blobs, weights.Sha256 + ".incomplete")).Should().BeFalse();
    }

    [Fact]
    public async Task Download_StalledTransfer_TimesOutKeepsThePartialFileAndTheNextRunResumes()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        _hub.StallOnce(weights.Sha256, 64_000);

        Func<Task> act = async () =>
        {
            using var impatient = new ModelDownloader(new HubOptions
            {
                Endpoint = _hub.Endpoint, CacheDirectory = _cache.Path, Progress = _progress,
                ReadTimeout = TimeSpan.FromSeconds(1), MaxResumeAttempts = 0,
            });
            await impatient.DownloadAsync(RepoId);
        };

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.Unreachable);
        error.Message.Should().Contain("no data for 1 s").And.Contain(".incomplete");
        string incomplete = _cache.Combine("models--acme--tiny-llama", "blobs", weights.Sha256 + ".incomplete");
        new FileInfo(incomplete).Length.Should().Be(64_000);

        string snapshot = await Download();

        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content);
        _hub.Requests.Where(r => r.ToCdn).Select(r => r.Range).Should().Equal(null, "bytes=64000-");
    }

    [Fact]
    public async Task Download_ModelMadeByModelMaker_LoadsFromTheSnapshotThroughItsLinks()
    {
        using var source = new TemporaryDirectory();
        string made = source.Combine("model");
        ModelMaker.Write(made, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        _hub.AddRepo("acme/made").Commit(Directory.EnumerateFiles(made).ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes));

        string snapshot = await Download("acme/made");

        using LlamaModel model = LlamaModel.Load(snapshot);
        Tokenizer tokenizer = Tokenizer.Load(snapshot);
        tokenizer.Encode("hello").Should().NotBeEmpty();
        new FileInfo(Path.Combine(snapshot, "model.safetensors")).LinkTarget.Should().StartWith("../../blobs/");
    }

    [Fact]
    public async Task Download_CorruptPartialFile_FailsTheSha256CheckAndIsDeleted()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        string blobs = _cache.Combine("models--acme--tiny-llama", "blobs");
        Directory.CreateDirectory(blobs);
        byte[] corrupt = weights.Content[..50_000];
        corrupt[1234] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(blobs, weights.Sha256 + ".incomplete"), corrupt);

        Func<Task> act = () => Download();

        (await act.Should().ThrowAsync<HubException>()).Which.Kind.Should().Be(HubErrorKind.IntegrityCheckFailed);
        Directory.EnumerateFiles(blobs, weights.Sha256 + "*").Should().BeEmpty("neither the blob nor the partial file may survive a failed check");

        string snapshot = await Download();
        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content, "the next run downloads it afresh");
    }

    [Fact]
    public async Task Download_ServerIgnoringRange_StartsTheFileOver()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        _hub.IgnoreRange = true;
        _hub.CutOnce(weights.Sha256, 70_000);

        string snapshot = await Download();

        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content);
        _hub.Requests.Where(r => r.ToCdn).Select(r => r.Range).Should().Equal(null, "bytes=70000-");
    }

    [Fact]
    public async Task Download_Sha256Mismatch_DeletesTheDownloadAndThrows()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        string advertised = Convert.ToHexStringLower(SHA256.HashData("something else"u8));
        weights.AdvertisedSha256 = advertised;

        Func<Task> act = () => Download();

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.IntegrityCheckFailed);
        error.Message.Should().Contain(weights.Sha256).And.Contain(advertised).And.Contain("model.safetensors");
        string repoDir = _cache.Combine("models--acme--tiny-llama");
        Directory.EnumerateFiles(Path.Combine(repoDir, "blobs"), advertised + "*").Should().BeEmpty();
        File.Exists(Path.Combine(repoDir, "snapshots", commit, "model.safetensors")).Should().BeFalse();
    }

    [Fact]
    public async Task Download_GatedRepoWithoutToken_SaysTheRepoIsGatedAndToSetHfToken()
    {
        AddTinyRepo().Should().NotBeEmpty();
        _hub.AddRepo(RepoId).GatedToken = "hf_secret";

        Func<Task> act = () => Download();

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.AccessDenied);
        error.Message.Should().Contain("401").And.Contain("gated").And.Contain("HF_TOKEN is not set");
    }

    [Fact]
    public async Task Download_GatedRepoWithWrongToken_SaysTheTokenWasRefused()
    {
        AddTinyRepo();
        _hub.AddRepo(RepoId).GatedToken = "hf_secret";

        Func<Task> act = () => Download(token: "hf_wrong");

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.AccessDenied);
        error.Message.Should().Contain("403").And.Contain("token in HF_TOKEN was refused");
    }

    [Fact]
    public async Task Download_WithToken_SendsBearerToTheHubButNotToTheCdn()
    {
        string commit = AddTinyRepo();
        _hub.AddRepo(RepoId).GatedToken = "hf_secret";

        string snapshot = await Download(token: "hf_secret");

        snapshot.Should().EndWith(commit);
        _hub.Requests.Where(r => !r.ToCdn).Should().NotBeEmpty().And.OnlyContain(r => r.Authorization == "Bearer hf_secret");
        _hub.Requests.Where(r => r.ToCdn).Should().NotBeEmpty().And.OnlyContain(r => r.Authorization == null, "a presigned CDN URL must not receive the user's token");
    }

    [Fact]
    public async Task Download_UnknownRepoAnonymously_ThrowsNotFoundMentioningPrivateRepos()
    {
        Func<Task> act = () => Download("acme/missing");

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NotFound);
        error.Message.Should().Contain("acme/missing: repository not found").And.Contain("401 RepoNotFound").And.Contain("private, set HF_TOKEN");
    }

    [Fact]
    public async Task Download_UnknownRepoWithToken_ThrowsNotFound()
    {
        Func<Task> act = () => Download("acme/missing", token: "hf_abc");

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NotFound);
        error.Message.Should().Contain("acme/missing: repository not found").And.Contain("404 RepoNotFound");
    }

    [Fact]
    public async Task Download_UnknownRevision_ThrowsNotFoundNamingTheRevision()
    {
        AddTinyRepo();

        Func<Task> act = () => Download(revision: "v9");

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NotFound);
        error.Message.Should().Contain("revision 'v9' was not found").And.Contain("RevisionNotFound");
    }

    [Fact]
    public async Task Download_OfflineFromWarmCache_ResolvesTheSnapshotWithoutAnyRequest()
    {
        AddTinyRepo();
        string online = await Download();
        _hub.Requests.Clear();

        string offline = await Download(offline: true);

        offline.Should().Be(online);
        _hub.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Download_HubUnreachable_FallsBackToTheWarmCache()
    {
        AddTinyRepo();
        string online = await Download();

        string fallback = await Download(endpoint: DeadEndpoint());

        fallback.Should().Be(online);
        _progress.ToString().Should().Contain("cannot reach");
    }

    [Fact]
    public async Task Download_OfflineWithColdCache_ThrowsNotCachedNamingTheCache()
    {
        Func<Task> act = () => Download(offline: true);

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NotCached);
        error.Message.Should().Contain("HF_HUB_OFFLINE").And.Contain(_cache.Path).And.Contain(RepoId);
    }

    [Fact]
    public async Task Download_HubUnreachableWithColdCache_ThrowsNotCachedSayingWhy()
    {
        Func<Task> act = () => Download(endpoint: DeadEndpoint());

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NotCached);
        error.Message.Should().Contain("cannot reach").And.Contain("download-weights");
    }

    [Fact]
    public async Task Download_OfflineWithABlobMissing_ListsWhatTheSnapshotLacks()
    {
        string commit = AddTinyRepo();
        await Download();
        File.Delete(_cache.Combine("models--acme--tiny-llama", "blobs", _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"].Sha256));

        Func<Task> act = () => Download(offline: true);

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NotCached);
        error.Message.Should().Contain("model.safetensors");
    }

    [Fact]
    public async Task Download_OnlineWithABlobMissing_FetchesItAgain()
    {
        string commit = AddTinyRepo();
        await Download();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        File.Delete(_cache.Combine("models--acme--tiny-llama", "blobs", weights.Sha256));
        _hub.Requests.Clear();

        string snapshot = await Download();

        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content);
        _hub.Requests.Where(r => r.ToCdn).Should().ContainSingle("only the missing blob is fetched");
    }

    [Fact]
    public async Task Download_RepoWithOnlyPickleWeights_AsksForConversionAndDownloadsNothing()
    {
        _hub.AddRepo("acme/old-model").Commit(new Dictionary<string, byte[]>
        {
            ["config.json"] = "{\"model_type\": \"llama\"}"u8.ToArray(),
            ["pytorch_model.bin"] = RandomBytes(5000, 1),
            ["training_args.bin"] = RandomBytes(100, 2),
        });

        Func<Task> act = () => Download("acme/old-model");

        var error = (await act.Should().ThrowAsync<HubException>()).Which;
        error.Kind.Should().Be(HubErrorKind.NoSafetensors);
        error.Message.Should().Contain("pytorch_model.bin").And.Contain("convert").And.NotContain("training_args");
        _hub.FileRequests.Should().BeEmpty();
        Directory.Exists(_cache.Combine("models--acme--old-model", "blobs")).Should().BeFalse();
    }

    [Fact]
    public async Task Download_RevisionPinnedByCommitSha_GetsThatCommitAndWritesNoRef()
    {
        FakeHubRepo repo = _hub.AddRepo(RepoId);
        string old = repo.Commit(TinyFiles(seed: 1));
        string current = repo.Commit(TinyFiles(seed: 2));

        string pinned = await Download(revision: old);
        string latest = await Download();

        pinned.Should().EndWith(old);
        latest.Should().EndWith(current);
        File.ReadAllBytes(Path.Combine(pinned, "model.safetensors")).Should().Equal(repo.Commits[old]["model.safetensors"].Content);
        File.ReadAllBytes(Path.Combine(latest, "model.safetensors")).Should().Equal(repo.Commits[current]["model.safetensors"].Content);
        string refs = _cache.Combine("models--acme--tiny-llama", "refs");
        Directory.EnumerateFiles(refs).Select(Path.GetFileName).Should().Equal("main");
        File.ReadAllText(Path.Combine(refs, "main")).Should().Be(current);
        _hub.FileRequests.Where(r => !r.ToCdn).Should().OnlyContain(r => r.Path.Contains("/resolve/" + old + "/") || r.Path.Contains("/resolve/" + current + "/"),
            "files are fetched by commit, so a branch moving mid-download cannot mix two commits");
    }

    [Fact]
    public async Task Download_BranchMovedOnTheHub_UpdatesTheRef()
    {
        FakeHubRepo repo = _hub.AddRepo(RepoId);
        repo.Commit(TinyFiles(seed: 1));
        await Download();
        string moved = repo.Commit(TinyFiles(seed: 3));

        string snapshot = await Download();

        snapshot.Should().EndWith(moved);
        File.ReadAllText(_cache.Combine("models--acme--tiny-llama", "refs", "main")).Should().Be(moved);
    }

    [Fact]
    public async Task Download_ShardedRepo_FetchesTheIndexedShardsOnly()
    {
        _hub.AddRepo("acme/sharded").Commit(new Dictionary<string, byte[]>
        {
            ["config.json"] = "{}"u8.ToArray(),
            ["model.safetensors.index.json"] = """{"metadata": {"total_size": 4}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"""u8.ToArray(),
            ["model-00001-of-00002.safetensors"] = RandomBytes(20_000, 4),
            ["model-00002-of-00002.safetensors"] = RandomBytes(30_000, 5),
            ["consolidated.safetensors"] = RandomBytes(50_000, 6),
        });

        string snapshot = await Download("acme/sharded");

        Directory.EnumerateFiles(snapshot).Select(Path.GetFileName).Should().BeEquivalentTo(
            "config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");
    }

    [Fact]
    public async Task Download_IndexNamingAPathOutsideTheSnapshot_IsRefused()
    {
        _hub.AddRepo("acme/evil").Commit(new Dictionary<string, byte[]>
        {
            ["config.json"] = "{}"u8.ToArray(),
            ["model.safetensors.index.json"] = """{"weight_map": {"a": "../../../../evil.safetensors"}}"""u8.ToArray(),
        });

        Func<Task> act = () => Download("acme/evil");

        (await act.Should().ThrowAsync<HubException>()).Which.Message.Should().Contain("not a safe relative path");
    }

    [Fact]
    public async Task Download_TwoDownloadersAtOnce_FetchEachBlobOnceAndAgree()
    {
        AddTinyRepo();
        using var first = NewDownloader();
        using var second = NewDownloader();

        string[] snapshots = await Task.WhenAll(first.DownloadAsync(RepoId), second.DownloadAsync(RepoId));

        snapshots[0].Should().Be(snapshots[1]);
        var contentGets = _hub.Requests.Where(r => r.Method == "GET" && (r.ToCdn || r.Path.Contains("/resolve/"))).Select(r => r.Path).ToList();
        contentGets.Should().OnlyHaveUniqueItems("the blob lock makes the second downloader wait and reuse the first one's blob");
        contentGets.Should().HaveCount(7);
    }

    [Fact]
    public async Task Download_BlobLockedByAnotherProcess_WaitsAndReusesTheBlobItWrote()
    {
        string commit = AddTinyRepo();
        FakeHubFile weights = _hub.AddRepo(RepoId).Commits[commit]["model.safetensors"];
        string lockPath = _cache.Combine(".locks", "models--acme--tiny-llama", weights.Sha256 + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        Task<string> download;
        // FileShare.None is flock(LOCK_EX) on Unix: the same lock another quantserve or huggingface_hub process would hold
        using (var otherProcess = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            download = Download();
            await WaitForProgress("waiting for another download");
            download.IsCompleted.Should().BeFalse("the downloader must wait while the lock is held");
            File.WriteAllBytes(_cache.Combine("models--acme--tiny-llama", "blobs", weights.Sha256), weights.Content);
        }

        string snapshot = await download;

        File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")).Should().Equal(weights.Content);
        _hub.Requests.Where(r => r.ToCdn).Should().BeEmpty("the blob the lock holder finished is reused, not fetched again");
    }

    [Fact]
    public async Task Download_LocalDirectory_IsReturnedAsIs()
    {
        using var local = new TemporaryDirectory();

        string result = await Download(local.Path);

        result.Should().Be(local.Path);
        _hub.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("acme/a/b")]
    [InlineData("acme--x/tiny")]
    [InlineData("../etc")]
    [InlineData("acme/tiny model")]
    public async Task Download_MalformedModelId_ThrowsArgumentExceptionNamingIt(string modelId)
    {
        Func<Task> act = () => Download(modelId);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain(modelId);
    }

    [Theory]
    [InlineData("../main")]
    [InlineData("/main")]
    [InlineData("a//b")]
    public async Task Download_MalformedRevision_ThrowsArgumentException(string revision)
    {
        Func<Task> act = () => Download(revision: revision);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    private string AddTinyRepo() => _hub.AddRepo(RepoId).Commit(TinyFiles(seed: 0));

    private static Dictionary<string, byte[]> TinyFiles(int seed) => new()
    {
        ["config.json"] = Encoding.UTF8.GetBytes($"{{\"model_type\": \"llama\", \"seed\": {seed}}}"),
        ["generation_config.json"] = "{\"do_sample\": false}"u8.ToArray(),
        ["tokenizer.json"] = Encoding.UTF8.GetBytes($"{{\"model\": {{\"type\": \"BPE\"}}, \"seed\": {seed}}}"),
        ["tokenizer_config.json"] = "{\"bos_token\": \"<s>\"}"u8.ToArray(),
        ["special_tokens_map.json"] = "{}"u8.ToArray(),
        ["quantize_config.json"] = "{\"bits\": 4, \"group_size\": 128}"u8.ToArray(),
        ["model.safetensors"] = RandomBytes(300_000, seed),
        ["pytorch_model.bin"] = RandomBytes(40_000, seed + 100),
        ["README.md"] = "# tiny"u8.ToArray(),
        ["onnx/model.onnx"] = RandomBytes(1000, seed + 200),
        [".gitattributes"] = "*.safetensors filter=lfs"u8.ToArray(),
    };

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private ModelDownloader NewDownloader(string? token = null, bool offline = false, Uri? endpoint = null) => new(new HubOptions
    {
        Endpoint = endpoint ?? _hub.Endpoint,
        CacheDirectory = _cache.Path,
        Token = token,
        Offline = offline,
        Progress = _progress,
        ReadTimeout = TimeSpan.FromSeconds(20),
    });

    private async Task<string> Download(string modelId = RepoId, string revision = "main", string? token = null, bool offline = false, Uri? endpoint = null)
    {
        using ModelDownloader downloader = NewDownloader(token, offline, endpoint);
        return await downloader.DownloadAsync(modelId, revision);
    }

    private async Task WaitForProgress(string text)
    {
        for (int i = 0; i < 3000; i++)
        {
            lock (_progress)
            {
                if (_progress.ToString().Contains(text, StringComparison.Ordinal))
                    return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"the progress never said '{text}'; it said: {_progress}");
    }

    /// <summary>A loopback port nobody listens on: connections are refused at once.</summary>
    private static Uri DeadEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
