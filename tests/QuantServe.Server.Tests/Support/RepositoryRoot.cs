namespace QuantServe.Server.Tests.Support;

/// <summary>The repository root: the first directory above the test binaries that holds QuantServe.sln.</summary>
internal static class RepositoryRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QuantServe.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no QuantServe.sln above {AppContext.BaseDirectory}");
    }
}
