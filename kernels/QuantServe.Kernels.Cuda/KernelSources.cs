namespace QuantServe.Kernels.Cuda;

/// <summary>The CUDA C sources of kernels/cuda/, embedded in this assembly: every .cu file and the headers they include.</summary>
public static class KernelSources
{
    private const string Prefix = "cuda/";

    /// <summary>File names of the kernel sources, e.g. "rmsnorm.cu".</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(KernelSources).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".cu", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Header name -> text, handed to NVRTC so #include "common.cuh" resolves without a file system.</summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = typeof(KernelSources).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".cuh", StringComparison.Ordinal))
        .ToDictionary(n => n[Prefix.Length..], Load);

    public static string Read(string fileName)
    {
        if (!Names.Contains(fileName))
            throw new ArgumentException($"no kernel source '{fileName}'; have {string.Join(", ", Names)}", nameof(fileName));
        return Load(Prefix + fileName);
    }

    private static string Load(string resource)
    {
        using var stream = typeof(KernelSources).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
