namespace QuantServe.Engine.Checkpoints;

/// <summary>Sizes and header names of <see cref="SafetensorsDType"/> values.</summary>
public static class SafetensorsDTypes
{
    /// <summary>Every dtype the engine reads, in enum order.</summary>
    public static IReadOnlyList<SafetensorsDType> All { get; } = Enum.GetValues<SafetensorsDType>();

    // Valid in the safetensors format but not read here; named separately so that the error says
    // "not supported" rather than "not a dtype".
    private static readonly string[] KnownButUnsupported =
        ["U16", "U32", "U64", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"];

    /// <summary>Bytes per element.</summary>
    public static int SizeOf(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.BOOL or SafetensorsDType.F8_E4M3 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a SafetensorsDType value"),
    };

    /// <summary>The string the safetensors header uses for <paramref name="dtype"/> ("F32", "BF16", "F8_E4M3"...).</summary>
    public static string Name(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 => "F64",
        SafetensorsDType.F32 => "F32",
        SafetensorsDType.F16 => "F16",
        SafetensorsDType.BF16 => "BF16",
        SafetensorsDType.I64 => "I64",
        SafetensorsDType.I32 => "I32",
        SafetensorsDType.I16 => "I16",
        SafetensorsDType.I8 => "I8",
        SafetensorsDType.U8 => "U8",
        SafetensorsDType.BOOL => "BOOL",
        SafetensorsDType.F8_E4M3 => "F8_E4M3",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a SafetensorsDType value"),
    };

    /// <summary>Reads a header dtype string; exact and case-sensitive, as the format defines them.</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        foreach (SafetensorsDType candidate in All)
        {
            if (string.Equals(Name(candidate), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>
    /// Reads a header dtype string, or throws a <see cref="SafetensorsException"/> that names the file,
    /// the tensor, the dtype found and the dtypes supported.
    /// </summary>
    public static SafetensorsDType Parse(string name, string fileName, string? tensorName = null)
    {
        if (TryParse(name, out SafetensorsDType dtype))
        {
            return dtype;
        }

        string where = tensorName is null ? fileName : $"{fileName}: tensor '{tensorName}'";
        string supported = string.Join(", ", All.Select(Name));
        string problem = KnownButUnsupported.Contains(name, StringComparer.Ordinal)
            ? $"dtype '{name}' is a safetensors dtype that QuantServe does not read"
            : $"dtype '{name}' is not a safetensors dtype";
        throw new SafetensorsException(
            $"{where}: {problem}; expected one of {supported}. " +
            "Convert the checkpoint to a supported dtype (for example F16 or BF16) and save it again.");
    }
}
