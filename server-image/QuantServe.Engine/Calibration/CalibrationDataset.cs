using System.Text.Json;
using QuantServe.Engine.Hub;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// Calibration text: a local <c>.txt</c> (the whole file), <c>.jsonl</c> (the <c>text</c> field of
/// every line) or <c>.parquet</c> (its <c>text</c> column), or a hub dataset id <c>org/name</c> found in
/// the local hub cache (<c>datasets--org--name</c>; its data files whose path mentions "train", else all
/// of them; <c>org/name:subset</c> keeps files under that folder). Texts are joined with blank lines, as
/// TGI joins wikitext's rows before tokenizing.
/// </summary>
public static class CalibrationDataset
{
    private static readonly string[] DataExtensions = [".parquet", ".jsonl", ".txt"];

    public static string LoadText(string dataset, string? hubCacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        if (File.Exists(dataset))
            return string.Join("\n\n", ReadFile(dataset));
        if (Directory.Exists(dataset))
            throw new FileNotFoundException($"--dataset '{dataset}' is a directory; give a .txt, .jsonl or .parquet file or a hub dataset id", dataset);
        var files = HubFiles(dataset, hubCacheDirectory ?? ModelDownloader.ResolveCacheDirectory());
        return string.Join("\n\n", files.SelectMany(ReadFile));
    }

    public static IReadOnlyList<string> ReadFile(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".txt" => [File.ReadAllText(path)],
        ".jsonl" => ReadJsonLines(path),
        ".parquet" => ParquetText.ReadColumn(path, "text"),
        var other => throw new InvalidDataException($"dataset file '{path}' has extension '{other}'; calibration data is .txt, .jsonl (a \"text\" field per line) or .parquet (a \"text\" column)"),
    };

    private static List<string> ReadJsonLines(string path)
    {
        var texts = new List<string>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{path}:{number}: the line is not a JSON object with a string \"text\" field");
                texts.Add(text.GetString()!);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not valid JSON ({e.Message})");
            }
        }
        return texts;
    }

    /// <summary>The data files of a cached hub dataset, sorted.</summary>
    public static IReadOnlyList<string> HubFiles(string dataset, string hubCacheDirectory)
    {
        var (repo, subset) = dataset.Split(':', 2) is [var r, var s] ? (r, s) : (dataset, null);
        var parts = repo.Split('/');
        if (parts.Length != 2 || parts.Any(string.IsNullOrWhiteSpace))
            throw new FileNotFoundException($"--dataset '{dataset}' is not a file, and not a hub dataset id (org/name)", dataset);
        string root = Path.Combine(hubCacheDirectory, $"datasets--{parts[0]}--{parts[1]}");
        string snapshots = Path.Combine(root, "snapshots");
        if (!Directory.Exists(snapshots))
            throw new FileNotFoundException($"--dataset '{dataset}' is not a file, and the hub cache has no copy of it ({root} does not exist)", dataset);
        string? snapshot = null;
        string refMain = Path.Combine(root, "refs", "main");
        if (File.Exists(refMain))
            snapshot = Path.Combine(snapshots, File.ReadAllText(refMain).Trim());
        if (snapshot is null || !Directory.Exists(snapshot))
            snapshot = Directory.GetDirectories(snapshots).OrderByDescending(Directory.GetLastWriteTimeUtc).FirstOrDefault()
                ?? throw new FileNotFoundException($"hub dataset '{dataset}': {snapshots} holds no snapshot", dataset);
        var files = Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories)
            .Where(f => DataExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => Path.GetRelativePath(snapshot, f).Replace('\\', '/'))
            .Where(f => subset is null || f.StartsWith(subset.TrimEnd('/') + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var train = files.Where(f => f.Contains("train", StringComparison.OrdinalIgnoreCase)).ToList();
        var chosen = train.Count > 0 ? train : files;
        if (chosen.Count == 0)
            throw new FileNotFoundException($"hub dataset '{dataset}': {snapshot} has no .parquet, .jsonl or .txt files{(subset is null ? "" : $" under '{subset}'")}", dataset);
        return chosen.Select(f => Path.Combine(snapshot, f)).ToList();
    }
}
