using System.Security.Cryptography;
using System.Text;

namespace QuantServe.Kernels.Cuda;

/// <summary>
/// Compiled PTX on disk, keyed by a SHA-256 of the source, its headers, the architecture, the options and the
/// NVRTC version, so a restart skips NVRTC (about a second per kernel file). Writes go through a temporary
/// file and a rename, so concurrent processes never read half a file.
/// </summary>
public sealed class PtxCache
{
    public PtxCache(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    /// <summary>$QUANTSERVE_PTX_CACHE, else $XDG_CACHE_HOME/quantserve/ptx, else ~/.cache/quantserve/ptx.</summary>
    public static PtxCache Default { get; } = new(
        Environment.GetEnvironmentVariable("QUANTSERVE_PTX_CACHE") is { Length: > 0 } configured ? configured
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "quantserve", "ptx"));

    public string Directory { get; }

    /// <summary>Number of compilations this instance ran (cache misses).</summary>
    public int Compilations { get; private set; }

    public string GetOrCompile(string source, string name, string architecture,
        IReadOnlyDictionary<string, string>? headers = null, IReadOnlyList<string>? extraOptions = null)
    {
        string key = Key(source, name, architecture, headers, extraOptions);
        string path = Path.Combine(Directory, $"{Path.GetFileNameWithoutExtension(name)}-{architecture}-{key}.ptx");
        if (File.Exists(path))
            return File.ReadAllText(path);
        string ptx = NvrtcCompiler.CompileToPtx(source, name, architecture, headers, extraOptions);
        Compilations++;
        System.IO.Directory.CreateDirectory(Directory);
        string temporary = path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, ptx);
        File.Move(temporary, path, overwrite: true);
        return ptx;
    }

    internal static string Key(string source, string name, string architecture,
        IReadOnlyDictionary<string, string>? headers, IReadOnlyList<string>? extraOptions)
    {
        var text = new StringBuilder();
        text.Append(name).Append('\0').Append(architecture).Append('\0').Append(source).Append('\0');
        foreach (var header in (headers ?? new Dictionary<string, string>()).OrderBy(h => h.Key, StringComparer.Ordinal))
            text.Append(header.Key).Append('\0').Append(header.Value).Append('\0');
        foreach (string option in NvrtcCompiler.DefaultOptions.Concat(extraOptions ?? []))
            text.Append(option).Append('\0');
        text.Append(NvrtcCompiler.TryGetVersion(out _));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32].ToLowerInvariant();
    }
}
