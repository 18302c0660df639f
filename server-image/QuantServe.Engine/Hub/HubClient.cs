using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;

namespace QuantServe.Engine.Hub;

/// <summary>
/// The hub's HTTP protocol as huggingface_hub speaks it: the model-info API pins a revision to a commit and lists
/// files; HEAD on <c>/resolve/</c> gives a file's blob id, size and (for LFS files) the CDN location; GET with
/// Range downloads it. Redirects are followed by hand so that the token never leaves the endpoint's origin.
/// </summary>
internal sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private const string RepoCommitHeader = "X-Repo-Commit";
    private const string LinkedEtagHeader = "X-Linked-Etag";
    private const string LinkedSizeHeader = "X-Linked-Size";
    private const string ErrorCodeHeader = "X-Error-Code";
    private const string ErrorMessageHeader = "X-Error-Message";

    private static readonly string UserAgent =
        $"quantserve/{typeof(HubClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0"}";

    private readonly HubOptions _options;
    private readonly HttpClient _http;
    private readonly string _base;

    public HubClient(HubOptions options)
    {
        _options = options;
        _base = options.Endpoint.AbsoluteUri.TrimEnd('/');
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Endpoint => _base;

    /// <summary><c>GET {endpoint}/api/models/{repo}/revision/{revision}</c>: the commit sha and the file list.</summary>
    public async Task<RepositoryInfo> GetRepositoryInfoAsync(string repoId, string revision, CancellationToken ct)
    {
        var url = new Uri($"{_base}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, url, rangeStart: 0, followAbsoluteRedirects: true, ct);
        if (!response.IsSuccessStatusCode)
            throw await ErrorForAsync(response, repoId, revision, fileName: null, ct);

        string json;
        try
        {
            json = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new HubException(HubErrorKind.Unreachable, $"the connection to {url.Authority} was lost while reading the file list of {repoId}: {e.Message}", e);
        }

        return ParseRepositoryInfo(json, repoId, revision);
    }

    /// <summary><c>HEAD {endpoint}/{repo}/resolve/{commit}/{file}</c>, following only same-site (relative) redirects.</summary>
    public async Task<HubFileMetadata> GetFileMetadataAsync(string repoId, string commitSha, string fileName, CancellationToken ct)
    {
        var url = ResolveUrl(repoId, commitSha, fileName);
        using HttpResponseMessage response = await SendAsync(HttpMethod.Head, url, rangeStart: 0, followAbsoluteRedirects: false, ct);
        int status = (int)response.StatusCode;
        if (status is < 200 or >= 400)
            throw await ErrorForAsync(response, repoId, commitSha, fileName, ct);

        string? commit = Header(response, RepoCommitHeader);
        string? etagHeader = Header(response, LinkedEtagHeader) ?? response.Headers.ETag?.ToString() ?? Header(response, "ETag");
        if (etagHeader is null)
        {
            throw new HubException(HubErrorKind.InvalidResponse,
                $"{repoId}/{fileName}: the hub sent no ETag (nor X-Linked-Etag), so the file cannot be cached or checked; is HF_ENDPOINT ({_base}) a Hugging Face hub?");
        }

        string etag = HubIdentifiers.NormalizeEtag(etagHeader, fileName);
        long size = Header(response, LinkedSizeHeader) is { } linkedSize
            ? ParseSize(linkedSize, LinkedSizeHeader, fileName)
            : response.Content.Headers.ContentLength
              ?? throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}/{fileName}: the hub sent neither X-Linked-Size nor Content-Length, so the download cannot be checked");

        Uri location = url;
        if (status is >= 300 and < 400)
        {
            Uri target = response.Headers.Location
                ?? throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}/{fileName}: the hub answered {status} without a Location header");
            location = target.IsAbsoluteUri ? target : new Uri(response.RequestMessage?.RequestUri ?? url, target);
        }
        else if (response.RequestMessage?.RequestUri is { } finalUrl)
        {
            location = finalUrl;
        }

        return new HubFileMetadata(fileName, commit, etag, size, location);
    }

    /// <summary>GETs a file from <paramref name="offset"/> on (HTTP Range), following every redirect.</summary>
    public async Task<HubDownloadStream> OpenDownloadAsync(HubFileMetadata file, string repoId, long offset, CancellationToken ct)
    {
        HttpResponseMessage response = await SendAsync(HttpMethod.Get, file.Location, offset, followAbsoluteRedirects: true, ct);
        try
        {
            long servedFrom;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                servedFrom = 0; // the server ignored Range: the caller starts over
            }
            else if (response.StatusCode == HttpStatusCode.PartialContent && offset > 0)
            {
                servedFrom = response.Content.Headers.ContentRange?.From
                    ?? throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}/{file.FileName}: 206 Partial Content without a Content-Range header");
                if (servedFrom != offset)
                    throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}/{file.FileName}: asked for bytes from {offset} but the server sent them from {servedFrom}");
            }
            else
            {
                throw await ErrorForAsync(response, repoId, file.CommitSha, file.FileName, ct);
            }

            Stream body = await response.Content.ReadAsStreamAsync(ct);
            return new HubDownloadStream(response, body, servedFrom, _options.ReadTimeout, $"{repoId}/{file.FileName}");
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();

    private Uri ResolveUrl(string repoId, string revision, string fileName) =>
        new($"{_base}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString))}");

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long rangeStart, bool followAbsoluteRedirects, CancellationToken ct)
    {
        Uri current = url;
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(method, current);
            request.Headers.UserAgent.ParseAdd(UserAgent);
            // identity: Content-Length must be the file's size, and Range offsets must count file bytes
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (_options.Token is { } token && IsEndpointOrigin(current))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (rangeStart > 0)
                request.Headers.Range = new RangeHeaderValue(rangeStart, null);

            HttpResponseMessage response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(_options.ReadTimeout);
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                }
                catch (HttpRequestException e)
                {
                    throw new HubException(HubErrorKind.Unreachable, $"cannot reach {current.GetLeftPart(UriPartial.Authority)}: {e.Message}", e);
                }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw new HubException(HubErrorKind.Unreachable, $"{current.GetLeftPart(UriPartial.Authority)} did not answer within {_options.ReadTimeout.TotalSeconds:0} s", e);
                }
            }

            int status = (int)response.StatusCode;
            if (status is < 300 or >= 400 || response.Headers.Location is not { } location)
                return response;
            if (!location.IsAbsoluteUri)
                location = new Uri(current, location);
            else if (!followAbsoluteRedirects)
                return response; // HEAD: an absolute redirect goes to the CDN; its headers are the metadata
            response.Dispose();
            if (redirects >= MaxRedirects)
                throw new HubException(HubErrorKind.InvalidResponse, $"more than {MaxRedirects} redirects from {url}");
            if (location.Scheme != Uri.UriSchemeHttp && location.Scheme != Uri.UriSchemeHttps)
                throw new HubException(HubErrorKind.InvalidResponse, $"{current} redirects to '{location}', which is not http(s)");
            current = location;
        }
    }

    private bool IsEndpointOrigin(Uri url) =>
        string.Equals(url.GetLeftPart(UriPartial.Authority), _options.Endpoint.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);

    private async Task<HubException> ErrorForAsync(HttpResponseMessage response, string repoId, string? revision, string? fileName, CancellationToken ct)
    {
        int status = (int)response.StatusCode;
        string? code = Header(response, ErrorCodeHeader);
        string? serverMessage = Header(response, ErrorMessageHeader);
        if (serverMessage is null && response.RequestMessage?.Method != HttpMethod.Head)
            serverMessage = await ReadSnippetAsync(response, ct);
        string said = $"HTTP {status}{(code is null ? "" : " " + code)}{(string.IsNullOrWhiteSpace(serverMessage) ? "" : ": " + serverMessage.Trim())}";
        string what = fileName is null ? repoId : $"{repoId}/{fileName}";

        if (code == "RepoNotFound")
        {
            // the hub answers 401 RepoNotFound to anonymous requests for private and missing repos alike
            string advice = _options.Token is null
                ? "Check the model id; if the repository is private, set HF_TOKEN to a token with access to it."
                : "Check the model id, and that the token in HF_TOKEN has access to it.";
            return new HubException(HubErrorKind.NotFound, $"{repoId}: repository not found on {_base} ({said}). {advice}");
        }

        if (status is 401 or 403)
        {
            string advice = _options.Token is null
                ? "The repository is gated or private and HF_TOKEN is not set: accept the model's terms on its hub page, then set HF_TOKEN to a token of that account."
                : "The token in HF_TOKEN was refused: it is wrong or expired, or its account has not been granted access to this gated or private repository.";
            return new HubException(HubErrorKind.AccessDenied, $"{what}: access denied by {_base} ({said}). {advice}");
        }

        if (status == 404)
        {
            string message = code switch
            {
                "RevisionNotFound" => $"{repoId}: revision '{revision}' was not found on {_base} ({said}). Check --revision: a branch, a tag or a full commit sha.",
                "EntryNotFound" => $"{what}: the file was not found at revision '{revision}' on {_base} ({said}).",
                _ when fileName is not null && code is null => $"{what}: not found at revision '{revision}' on {_base} ({said}).",
                _ => $"{repoId}: repository or revision '{revision}' not found on {_base} ({said}). Check the model id and --revision; a private repository also needs HF_TOKEN.",
            };
            return new HubException(HubErrorKind.NotFound, message);
        }

        if (status is 429 or >= 500)
            return new HubException(HubErrorKind.Unreachable, $"{what}: the hub at {_base} is unavailable ({said})");
        return new HubException(HubErrorKind.InvalidResponse, $"{what}: unexpected answer from {_base} ({said})");
    }

    private static async Task<string?> ReadSnippetAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            string body = await response.Content.ReadAsStringAsync(ct);
            if (body.Length == 0)
                return null;
            // the hub's error bodies are {"error": "..."}
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.String)
                    return error.GetString();
            }
            catch (JsonException)
            {
            }

            return body.Length > 300 ? body[..300] + "..." : body;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return null;
        }
    }

    private static RepositoryInfo ParseRepositoryInfo(string json, string repoId, string revision)
    {
        string source = $"{repoId}: the model info for revision '{revision}'";
        try
        {
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new HubException(HubErrorKind.InvalidResponse, $"{source} is not a JSON object");
            if (!root.TryGetProperty("sha", out JsonElement sha) || sha.ValueKind != JsonValueKind.String || !HubIdentifiers.IsCommitSha(sha.GetString()!))
                throw new HubException(HubErrorKind.InvalidResponse, $"{source} has no 'sha' with a 40-digit commit sha");
            if (!root.TryGetProperty("siblings", out JsonElement siblings) || siblings.ValueKind != JsonValueKind.Array)
                throw new HubException(HubErrorKind.InvalidResponse, $"{source} has no 'siblings' file list");

            var files = new List<string>();
            foreach (JsonElement sibling in siblings.EnumerateArray())
            {
                if (sibling.ValueKind != JsonValueKind.Object || !sibling.TryGetProperty("rfilename", out JsonElement name) || name.ValueKind != JsonValueKind.String)
                    throw new HubException(HubErrorKind.InvalidResponse, $"{source} lists a sibling without a string 'rfilename'");
                files.Add(name.GetString()!);
            }

            return new RepositoryInfo(sha.GetString()!, files);
        }
        catch (JsonException e)
        {
            throw new HubException(HubErrorKind.InvalidResponse, $"{source} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private static long ParseSize(string text, string header, string fileName) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long size)
            ? size
            : throw new HubException(HubErrorKind.InvalidResponse, $"{fileName}: the hub's {header} '{text}' is not a byte count");
}
