namespace QuantServe.Engine.Hub;

/// <summary>
/// Where and how <see cref="ModelDownloader"/> talks to the hub. <see cref="FromEnvironment"/> reads the variables
/// huggingface_hub reads (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the cache variables).
/// </summary>
public sealed record HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub's base URL, e.g. https://huggingface.co or a mirror; a path prefix is kept.</summary>
    public Uri Endpoint { get; init; } = new(DefaultEndpoint);

    /// <summary>Sent as <c>Authorization: Bearer</c> to the endpoint's host only (never to a CDN it redirects to).</summary>
    public string? Token { get; init; }

    /// <summary>The hub cache root that holds <c>models--org--name</c> folders.</summary>
    public string CacheDirectory { get; init; } = ModelDownloader.ResolveCacheDirectory();

    /// <summary>Never touch the network; resolve from the cache only (HF_HUB_OFFLINE=1).</summary>
    public bool Offline { get; init; }

    /// <summary>Where progress lines go; null for silence.</summary>
    public TextWriter? Progress { get; init; } = Console.Error;

    /// <summary>A download that receives nothing for this long counts as a cut connection and is resumed.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times in a row a file download may be resumed without progress before giving up.</summary>
    public int MaxResumeAttempts { get; init; } = 5;

    /// <summary>Options from HF_ENDPOINT, HF_TOKEN (or HUGGING_FACE_HUB_TOKEN), HF_HUB_OFFLINE and the cache variables.</summary>
    public static HubOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    internal static HubOptions FromEnvironment(Func<string, string?> environment)
    {
        string endpoint = NonEmpty(environment("HF_ENDPOINT")) ?? DefaultEndpoint;
        return new HubOptions
        {
            Endpoint = ParseEndpoint(endpoint, "HF_ENDPOINT"),
            Token = NonEmpty(environment("HF_TOKEN")) ?? NonEmpty(environment("HUGGING_FACE_HUB_TOKEN")),
            CacheDirectory = ModelDownloader.ResolveCacheDirectory(environment, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)),
            Offline = IsTrue(environment("HF_HUB_OFFLINE")) || IsTrue(environment("TRANSFORMERS_OFFLINE")),
        };
    }

    /// <summary>huggingface_hub's truth values: 1, ON, YES, TRUE in any case.</summary>
    internal static bool IsTrue(string? value) =>
        value is not null && value.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    internal static Uri ParseEndpoint(string text, string source)
    {
        if (!Uri.TryCreate(text.Trim().TrimEnd('/'), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{source} '{text}' is not an absolute http(s) URL such as {DefaultEndpoint}");
        return uri;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
