namespace QuantServe.Chart.Tests.Support;

/// <summary>Paths in the repository the tests read (found by walking up to QuantServe.sln).</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "QuantServe.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no QuantServe.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Chart => Path.Combine(Root, "charts", "quantserve");

    public static string Templates => Path.Combine(Chart, "templates");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts)
    {
        var path = PathOf(parts);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"expected {string.Join('/', parts)} in the repository", path);
    }

    /// <summary>The one file of this name under a folder (code moves between folders; its name stays).</summary>
    public static string ReadOnly(string fileName, params string[] under)
    {
        var matches = Directory.GetFiles(PathOf(under), fileName, SearchOption.AllDirectories)
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal)).ToList();
        return matches.Count == 1
            ? File.ReadAllText(matches[0])
            : throw new FileNotFoundException($"expected one {fileName} under {string.Join('/', under)}, found {matches.Count}");
    }

    /// <summary>The chart's YAML templates (not _helpers.tpl, not NOTES.txt).</summary>
    public static IReadOnlyList<string> TemplateFiles =>
        Directory.GetFiles(Templates, "*.yaml").Order(StringComparer.Ordinal).ToList();
}
