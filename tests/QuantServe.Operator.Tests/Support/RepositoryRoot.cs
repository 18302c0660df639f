namespace QuantServe.Operator.Tests.Support;

/// <summary>The checkout's root (where QuantServe.sln lives), found from the test binaries upwards.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("QUANTSERVE_REPO_ROOT") is { Length: > 0 } configured) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "QuantServe.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no QuantServe.sln above {AppContext.BaseDirectory}");
    }
}
