using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// Writes safetensors files and sharded checkpoints that the safetensors library and
/// <see cref="SafetensorsCheckpoint"/> read.
/// <para>
/// Layout, the same as the safetensors library's <c>serialize</c>: tensors sorted by descending dtype
/// (its enum order, which is increasing alignment: BOOL, U8, I8, F8_E4M3, I16, F16, BF16, I32, F32,
/// F64, I64), then by ordinal name, so each tensor starts at a multiple of its element size. The
/// header is compact JSON, <c>__metadata__</c> first (keys sorted), then the tensors in data order,
/// padded with spaces to a multiple of 8 bytes so that the data buffer starts 8-byte aligned.
/// </para>
/// <para>
/// Every file is written to <c>path + ".tmp"</c>, flushed to disk, then renamed over
/// <c>path</c>: a reader never sees a partial file under the final name, and a failed write removes
/// its .tmp file (a killed process may leave one; readers ignore *.tmp).
/// </para>
/// </summary>
public static partial class SafetensorsWriter
{
    /// <summary>The file name of a checkpoint that fits in one shard.</summary>
    public const string SingleFileName = "model.safetensors";

    private static readonly JsonWriterOptions CompactJson = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes one safetensors file.</summary>
    /// <exception cref="ArgumentException">A tensor's data does not match its shape and dtype, or a name repeats.</exception>
    public static void Write(string path, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        List<TensorData> list = Validate(tensors);
        ValidateMetadata(metadata);
        List<TensorData> ordered = list
            .OrderByDescending(tensor => AlignmentRank(tensor.DType))
            .ThenBy(tensor => tensor.Name, StringComparer.Ordinal)
            .ToList();
        WriteAtomically(Path.GetFullPath(path), stream =>
        {
            WriteHeader(stream, ordered.Select(tensor => (tensor.Name, tensor.DType, tensor.Shape)), metadata);
            foreach (TensorData tensor in ordered)
            {
                stream.Write(tensor.Data.Span);
            }
        });
    }

    /// <summary>
    /// Writes a checkpoint into <paramref name="directory"/>, split into shards of at most
    /// <paramref name="maxShardBytes"/> tensor bytes (a larger tensor gets a shard of its own).
    /// Tensors are assigned to shards in input order, as Hugging Face's splitter does. One shard is
    /// written as <c>model.safetensors</c>; several as <c>model-00001-of-0000N.safetensors</c> plus
    /// <c>model.safetensors.index.json</c>, written last. Every shard gets <paramref name="metadata"/>.
    /// Shards and an index left in the directory by an earlier write are removed.
    /// </summary>
    public static void WriteSharded(
        string directory,
        IEnumerable<TensorData> tensors,
        long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        List<TensorData> list = Validate(tensors);
        ValidateMetadata(metadata);
        string fullPath = Path.GetFullPath(directory);
        Directory.CreateDirectory(fullPath);

        var shards = new List<List<TensorData>> { new() };
        long shardBytes = 0;
        foreach (TensorData tensor in list)
        {
            if (shards[^1].Count > 0 && shardBytes + tensor.Data.Length > maxShardBytes)
            {
                shards.Add([]);
                shardBytes = 0;
            }

            shards[^1].Add(tensor);
            shardBytes += tensor.Data.Length;
        }

        string indexPath = Path.Combine(fullPath, SafetensorsIndex.FileName);
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (shards.Count == 1)
        {
            Write(Path.Combine(fullPath, SingleFileName), list, metadata);
            written.Add(SingleFileName);
            File.Delete(indexPath);
        }
        else
        {
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < shards.Count; i++)
            {
                string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                Write(Path.Combine(fullPath, name), shards[i], metadata);
                written.Add(name);
                foreach (TensorData tensor in shards[i])
                {
                    weightMap.Add(tensor.Name, name);
                }
            }

            var index = new SafetensorsIndex(weightMap, list.Sum(tensor => (long)tensor.Data.Length));
            byte[] json = index.ToJson();
            WriteAtomically(indexPath, stream => stream.Write(json));
        }

        foreach (string stale in Directory.EnumerateFiles(fullPath))
        {
            string name = Path.GetFileName(stale);
            if (!written.Contains(name) && (name == SingleFileName || ShardName().IsMatch(name)))
            {
                File.Delete(stale);
            }
        }
    }

    /// <summary>The position of the dtype in the safetensors library's Dtype enum, which orders the data.</summary>
    private static int AlignmentRank(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL => 0,
        SafetensorsDType.U8 => 1,
        SafetensorsDType.I8 => 2,
        SafetensorsDType.F8_E4M3 => 3,
        SafetensorsDType.I16 => 4,
        SafetensorsDType.F16 => 5,
        SafetensorsDType.BF16 => 6,
        SafetensorsDType.I32 => 7,
        SafetensorsDType.F32 => 8,
        SafetensorsDType.F64 => 9,
        SafetensorsDType.I64 => 10,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a SafetensorsDType value"),
    };

    private static List<TensorData> Validate(IEnumerable<TensorData> tensors)
    {
        var list = new List<TensorData>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorData tensor in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor.Name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor.Shape, nameof(tensors));
            if (tensor.Name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for metadata and cannot name a tensor", nameof(tensors));
            }

            if (!names.Add(tensor.Name))
            {
                throw new ArgumentException($"tensor '{tensor.Name}' is given twice", nameof(tensors));
            }

            if (!Enum.IsDefined(tensor.DType))
            {
                throw new ArgumentException($"tensor '{tensor.Name}' has dtype {(int)tensor.DType}, not a SafetensorsDType", nameof(tensors));
            }

            long expected = SafetensorsDTypes.SizeOf(tensor.DType);
            foreach (long dim in tensor.Shape)
            {
                if (dim < 0)
                {
                    throw new ArgumentException(
                        $"tensor '{tensor.Name}' has shape {TensorInfo.FormatShape(tensor.Shape)} with a negative dimension", nameof(tensors));
                }

                expected = dim == 0 || expected <= long.MaxValue / dim ? expected * dim : -1;
                if (expected < 0)
                {
                    throw new ArgumentException(
                        $"tensor '{tensor.Name}' has shape {TensorInfo.FormatShape(tensor.Shape)}, too large to hold", nameof(tensors));
                }
            }

            if (tensor.Data.Length != expected)
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}': shape {TensorInfo.FormatShape(tensor.Shape)} of {SafetensorsDTypes.Name(tensor.DType)} " +
                    $"needs {expected} bytes but {tensor.Data.Length} were given", nameof(tensors));
            }

            list.Add(tensor);
        }

        return list;
    }

    private static void ValidateMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        foreach (KeyValuePair<string, string> entry in metadata ?? new Dictionary<string, string>())
        {
            if (entry.Value is null)
            {
                throw new ArgumentException($"metadata entry '{entry.Key}' is null; safetensors metadata values are strings", nameof(metadata));
            }
        }
    }

    /// <summary>
    /// Writes the length prefix and header of a safetensors file whose tensors follow in the given order
    /// (for writers that stream tensor data after it, one tensor at a time). Each tensor must start at a
    /// multiple of its element size, as readers take them in place as spans of that type.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor would start misaligned.</exception>
    public static void WriteHeader(
        Stream stream, IEnumerable<(string Name, SafetensorsDType DType, long[] Shape)> tensorsInDataOrder, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensorsInDataOrder);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, CompactJson))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (KeyValuePair<string, string> entry in metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal))
                {
                    json.WriteString(entry.Key, entry.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, dtype, shape) in tensorsInDataOrder)
            {
                int size = SafetensorsDTypes.SizeOf(dtype);
                if (offset % size != 0)
                {
                    throw new ArgumentException(
                        $"tensor '{name}' ({SafetensorsDTypes.Name(dtype)}) would start at byte {offset}, not a multiple of {size}; order it earlier",
                        nameof(tensorsInDataOrder));
                }

                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDTypes.Name(dtype));
                json.WriteStartArray("shape");
                foreach (long dim in shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += size * shape.Aggregate(1L, (a, b) => a * b);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        for (int i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[SafetensorsHeader.LengthPrefixBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)buffer.Length);
        stream.Write(length);
        stream.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        string? parent = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(parent))
        {
            Directory.CreateDirectory(parent);
        }

        string temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The original failure is the one worth reporting.
            }

            throw;
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardName();
}
