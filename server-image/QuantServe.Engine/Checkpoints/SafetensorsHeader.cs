using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// The validated header of one safetensors file.
/// <para>
/// Layout: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}</c>
/// (trailing-padded with spaces), then the data buffer; offsets are relative to the data buffer.
/// </para>
/// <para>
/// Everything is checked before any offset is used, the way the reference implementation
/// (huggingface/safetensors) does: N within the file and at most <see cref="MaxHeaderBytes"/>, a JSON
/// object starting with '{', no duplicate keys, known dtypes, integer shapes and offsets, byte
/// length = product(shape) * sizeof(dtype) without overflow, ranges inside the data buffer, and the
/// ranges covering the data buffer exactly (no overlaps, no holes, nothing after the last tensor).
/// Any bytes whatsoever yield either a header or a <see cref="SafetensorsException"/>.
/// </para>
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Size of the u64 that starts the file.</summary>
    public const int LengthPrefixBytes = 8;

    /// <summary>The largest header accepted; the reference implementation uses the same limit.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The header key that holds the string-to-string metadata rather than a tensor.</summary>
    public const string MetadataKey = "__metadata__";

    private const string Corrupt =
        "The file is not a valid safetensors file or is damaged; download it again or re-export it with the safetensors library.";

    private const string Truncated =
        "The file is probably truncated (an interrupted download or copy); compare its size with the source and download it again.";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    private SafetensorsHeader(
        string fileName,
        long headerBytes,
        long dataBytes,
        IReadOnlyDictionary<string, TensorInfo> tensors,
        IReadOnlyDictionary<string, string> metadata)
    {
        FileName = fileName;
        HeaderBytes = headerBytes;
        DataBytes = dataBytes;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The name used in error messages (normally the file's path).</summary>
    public string FileName { get; }

    /// <summary>N: the JSON header's length in bytes, padding included.</summary>
    public long HeaderBytes { get; }

    /// <summary>Absolute offset of the data buffer: 8 + N.</summary>
    public long DataStart => LengthPrefixBytes + HeaderBytes;

    /// <summary>Length of the data buffer: the file's length minus 8 + N.</summary>
    public long DataBytes { get; }

    /// <summary>The tensors in header order, with absolute <see cref="TensorInfo.DataOffset"/>s.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Reads and checks N, the header length, from the first 8 bytes of a file of
    /// <paramref name="fileLength"/> bytes. <paramref name="fileStart"/> needs at least
    /// min(8, fileLength) bytes.
    /// </summary>
    public static long ReadHeaderBytes(ReadOnlySpan<byte> fileStart, long fileLength, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentOutOfRangeException.ThrowIfNegative(fileLength);
        if (fileLength < LengthPrefixBytes)
        {
            throw new SafetensorsException(
                $"{fileName}: the file is {fileLength} bytes long; a safetensors file starts with an 8-byte header length. {Truncated}");
        }

        if (fileStart.Length < LengthPrefixBytes)
        {
            throw new ArgumentException(
                $"fileStart holds {fileStart.Length} bytes; the 8-byte header length is needed", nameof(fileStart));
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(fileStart);
        if (n > MaxHeaderBytes)
        {
            throw new SafetensorsException(
                $"{fileName}: the header length (first 8 bytes, little-endian) is {n} bytes; at most {MaxHeaderBytes} is accepted. " +
                DescribeForeignFile(fileStart) + Corrupt);
        }

        long available = fileLength - LengthPrefixBytes;
        if ((long)n > available)
        {
            throw new SafetensorsException(
                $"{fileName}: the header length is {n} bytes but only {available} bytes follow the 8-byte length " +
                $"(the file is {fileLength} bytes). {DescribeForeignFile(fileStart)}{Truncated}");
        }

        return (long)n;
    }

    /// <summary>
    /// Parses and validates the header of a file of <paramref name="fileLength"/> bytes.
    /// <paramref name="fileStart"/> holds the file's first bytes: at least the 8-byte length and
    /// the N header bytes (the whole file is fine too).
    /// </summary>
    /// <exception cref="SafetensorsException">The bytes are not a valid safetensors header for a file of this length.</exception>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> fileStart, long fileLength, string fileName)
    {
        if (fileStart.Length > fileLength)
        {
            throw new ArgumentException(
                $"fileStart holds {fileStart.Length} bytes, more than the file length {fileLength}", nameof(fileStart));
        }

        long n = ReadHeaderBytes(fileStart, fileLength, fileName);
        if (fileStart.Length < LengthPrefixBytes + n)
        {
            throw new ArgumentException(
                $"fileStart holds {fileStart.Length} bytes; the header needs {LengthPrefixBytes + n}", nameof(fileStart));
        }

        ReadOnlySpan<byte> json = fileStart.Slice(LengthPrefixBytes, (int)n);
        long dataBytes = fileLength - LengthPrefixBytes - n;
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            string found = json.IsEmpty ? "an empty header" : $"byte 0x{json[0]:X2}";
            throw new SafetensorsException(
                $"{fileName}: the JSON header must start with '{{' but starts with {found}. {DescribeForeignFile(fileStart)}{Corrupt}");
        }

        if (!Utf8.IsValid(json))
        {
            throw new SafetensorsException($"{fileName}: the header is not valid UTF-8. {Corrupt}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new SafetensorsException($"{fileName}: the header is not valid JSON ({e.Message}). {Corrupt}", e);
        }

        using (document)
        {
            return Read(document.RootElement, fileName, n, dataBytes);
        }
    }

    private static SafetensorsHeader Read(JsonElement root, string fileName, long headerBytes, long dataBytes)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsException(
                $"{fileName}: the header must be a JSON object but is a JSON {Kind(root)}. {Corrupt}");
        }

        var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var ranges = new List<DataRange>();
        IReadOnlyDictionary<string, string>? metadata = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.NameEquals(MetadataKey))
            {
                if (metadata is not null)
                {
                    throw new SafetensorsException($"{fileName}: the header has '{MetadataKey}' twice. {Corrupt}");
                }

                metadata = ReadMetadata(property.Value, fileName);
                continue;
            }

            string name = property.Name;
            if (tensors.ContainsKey(name))
            {
                throw new SafetensorsException(
                    $"{fileName}: tensor '{name}' is defined twice in the header; duplicate keys are not allowed. {Corrupt}");
            }

            DataRange range = ReadTensor(name, property.Value, fileName, headerBytes, dataBytes);
            tensors.Add(name, range.Tensor);
            ranges.Add(range);
        }

        CheckWithinFile(ranges, fileName, headerBytes, dataBytes);
        CheckCoverage(ranges, fileName, dataBytes);
        return new SafetensorsHeader(
            fileName,
            headerBytes,
            dataBytes,
            tensors.AsReadOnly(),
            metadata ?? new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly());
    }

    private static IReadOnlyDictionary<string, string> ReadMetadata(JsonElement value, string fileName)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsException(
                $"{fileName}: '{MetadataKey}' must be an object of strings but is a JSON {Kind(value)}. {Corrupt}");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsException(
                    $"{fileName}: metadata entry '{entry.Name}' must be a string but is a JSON {Kind(entry.Value)}; " +
                    $"safetensors metadata maps strings to strings. {Corrupt}");
            }

            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new SafetensorsException($"{fileName}: metadata entry '{entry.Name}' appears twice. {Corrupt}");
            }
        }

        return metadata.AsReadOnly();
    }

    private static DataRange ReadTensor(string name, JsonElement value, string fileName, long headerBytes, long dataBytes)
    {
        string where = $"{fileName}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsException(
                $"{where}: expected an object with dtype, shape and data_offsets but found a JSON {Kind(value)}. {Corrupt}");
        }

        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            // Other fields are ignored, as the reference implementation does.
            if (field.NameEquals("dtype"))
            {
                dtypeValue = SetOnce(dtypeValue, field, where);
            }
            else if (field.NameEquals("shape"))
            {
                shapeValue = SetOnce(shapeValue, field, where);
            }
            else if (field.NameEquals("data_offsets"))
            {
                offsetsValue = SetOnce(offsetsValue, field, where);
            }
        }

        if (dtypeValue is not { ValueKind: JsonValueKind.String } dtypeText)
        {
            throw Missing(where, "dtype", "a string such as \"F16\"", dtypeValue);
        }

        if (shapeValue is not { ValueKind: JsonValueKind.Array } shapeArray)
        {
            throw Missing(where, "shape", "an array of non-negative integers", shapeValue);
        }

        if (offsetsValue is not { ValueKind: JsonValueKind.Array } offsetsArray)
        {
            throw Missing(where, "data_offsets", "an array [begin, end]", offsetsValue);
        }

        SafetensorsDType dtype = SafetensorsDTypes.Parse(dtypeText.GetString()!, fileName, name);

        var shape = new long[shapeArray.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dim in shapeArray.EnumerateArray())
        {
            if (!TryReadNonNegative(dim, out long size))
            {
                throw new SafetensorsException(
                    $"{where}: shape entry {i} is {Text(dim)}; expected a non-negative integer. {Corrupt}");
            }

            shape[i++] = size;
        }

        long byteLength;
        try
        {
            long count = 1;
            foreach (long dim in shape)
            {
                count = checked(count * dim);
            }

            byteLength = checked(count * SafetensorsDTypes.SizeOf(dtype));
        }
        catch (OverflowException)
        {
            throw new SafetensorsException(
                $"{where}: shape {TensorInfo.FormatShape(shape)} of {SafetensorsDTypes.Name(dtype)} needs more bytes than fit in 64 bits. {Corrupt}");
        }

        if (offsetsArray.GetArrayLength() != 2)
        {
            throw new SafetensorsException(
                $"{where}: data_offsets must be [begin, end] but has {offsetsArray.GetArrayLength()} entries. {Corrupt}");
        }

        JsonElement beginValue = offsetsArray[0];
        JsonElement endValue = offsetsArray[1];
        if (!TryReadNonNegative(beginValue, out long begin) || !TryReadNonNegative(endValue, out long end))
        {
            throw new SafetensorsException(
                $"{where}: data_offsets [{Text(beginValue)}, {Text(endValue)}] must be two non-negative integers within the data buffer " +
                $"of {dataBytes} bytes. {Corrupt}");
        }

        if (end < begin)
        {
            throw new SafetensorsException(
                $"{where}: data_offsets [{begin}, {end}] end before they begin. {Corrupt}");
        }

        if (end - begin != byteLength)
        {
            throw new SafetensorsException(
                $"{where}: shape {TensorInfo.FormatShape(shape)} of {SafetensorsDTypes.Name(dtype)} " +
                $"({SafetensorsDTypes.SizeOf(dtype)} bytes each) needs {byteLength} bytes but data_offsets [{begin}, {end}] " +
                $"hold {end - begin}. {Corrupt}");
        }

        var tensor = new TensorInfo(name, dtype, shape, LengthPrefixBytes + headerBytes + begin, byteLength);
        return new DataRange(tensor, begin, end);
    }

    /// <summary>Reports the tensor reaching furthest past the data buffer, so the message gives the size the file should have.</summary>
    private static void CheckWithinFile(List<DataRange> ranges, string fileName, long headerBytes, long dataBytes)
    {
        DataRange? furthest = null;
        int outside = 0;
        foreach (DataRange range in ranges)
        {
            if (range.End > dataBytes)
            {
                outside++;
                if (furthest is null || range.End > furthest.Value.End)
                {
                    furthest = range;
                }
            }
        }

        if (furthest is DataRange last)
        {
            long needed = LengthPrefixBytes + headerBytes + last.End;
            string others = outside > 1 ? $" ({outside} tensors lie past the end)" : string.Empty;
            throw new SafetensorsException(
                $"{fileName}: tensor '{last.Tensor.Name}': data_offsets [{last.Begin}, {last.End}] reach past the end of the data buffer, " +
                $"which holds {dataBytes} bytes{others}; the file should be at least {needed} bytes but is {LengthPrefixBytes + headerBytes + dataBytes}. {Truncated}");
        }
    }

    /// <summary>The ranges must tile the data buffer: sorted by begin, each starts where the previous ended.</summary>
    private static void CheckCoverage(List<DataRange> ranges, string fileName, long dataBytes)
    {
        ranges.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        DataRange? previous = null;
        foreach (DataRange range in ranges)
        {
            if (range.Begin < covered)
            {
                throw new SafetensorsException(
                    $"{fileName}: tensors '{previous!.Value.Tensor.Name}' (data_offsets [{previous.Value.Begin}, {previous.Value.End}]) " +
                    $"and '{range.Tensor.Name}' (data_offsets [{range.Begin}, {range.End}]) overlap; each byte of the data buffer " +
                    $"belongs to one tensor. {Corrupt}");
            }

            if (range.Begin > covered)
            {
                throw new SafetensorsException(
                    $"{fileName}: bytes [{covered}, {range.Begin}) of the data buffer, before tensor '{range.Tensor.Name}', belong to " +
                    $"no tensor; the format allows no holes. {Corrupt}");
            }

            covered = range.End;
            previous = range;
        }

        if (covered != dataBytes)
        {
            string last = previous is null ? "the header describes no tensor data" : $"the last tensor '{previous.Value.Tensor.Name}' ends at {covered}";
            throw new SafetensorsException(
                $"{fileName}: the data buffer holds {dataBytes} bytes but {last}; {dataBytes - covered} bytes belong to no tensor. {Corrupt}");
        }
    }

    private static JsonElement SetOnce(JsonElement? current, JsonProperty field, string where)
    {
        if (current is not null)
        {
            throw new SafetensorsException($"{where}: field '{field.Name}' appears twice. {Corrupt}");
        }

        return field.Value;
    }

    private static SafetensorsException Missing(string where, string field, string expected, JsonElement? found)
    {
        string what = found is null ? "it is missing" : $"found a JSON {Kind(found.Value)}";
        return new SafetensorsException($"{where}: '{field}' must be {expected} but {what}. {Corrupt}");
    }

    private static bool TryReadNonNegative(JsonElement value, out long result)
    {
        result = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out result) && result >= 0;
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private static string Text(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "...";
    }

    /// <summary>Recognizes files that are commonly mistaken for safetensors and says what they are.</summary>
    private static string DescribeForeignFile(ReadOnlySpan<byte> fileStart)
    {
        ReadOnlySpan<byte> start = fileStart[..Math.Min(fileStart.Length, 64)];
        if (start.StartsWith("version https://git-lfs"u8) || start.StartsWith("version "u8))
        {
            return "It looks like a Git LFS pointer, not the weights: run 'git lfs pull' or download the file through the Hub. ";
        }

        if (start.StartsWith("GGUF"u8))
        {
            return "It is a GGUF file, not safetensors. ";
        }

        if (start.StartsWith("PK\u0003\u0004"u8))
        {
            return "It is a zip archive (a PyTorch .bin/.pt checkpoint?); convert it to safetensors first. ";
        }

        if (start.Length >= 2 && start[0] == 0x80 && start[1] is >= 2 and <= 5)
        {
            return "It is a Python pickle (a PyTorch checkpoint?); convert it to safetensors first. ";
        }

        if (start.StartsWith("<!DOCTYPE"u8) || start.StartsWith("<html"u8) || start.StartsWith("<?xml"u8))
        {
            return "It is an HTML/XML page (a failed download or an error page?). ";
        }

        if (start.StartsWith("{"u8) || start.StartsWith("Entry not found"u8) || start.StartsWith("Invalid"u8))
        {
            return "It is text (perhaps a JSON file or an error response saved under this name). ";
        }

        return string.Empty;
    }

    private readonly record struct DataRange(TensorInfo Tensor, long Begin, long End);
}
