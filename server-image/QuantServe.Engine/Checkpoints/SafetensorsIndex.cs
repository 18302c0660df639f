using System.Text.Encodings.Web;
using System.Text.Json;

namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// <c>model.safetensors.index.json</c> of a sharded checkpoint:
/// <c>{"metadata": {"total_size": n}, "weight_map": {"tensor name": "shard file name", ...}}</c>.
/// </summary>
public sealed class SafetensorsIndex
{
    /// <summary>The file name Hugging Face tools give the index.</summary>
    public const string FileName = "model.safetensors.index.json";

    public SafetensorsIndex(IReadOnlyDictionary<string, string> weightMap, long? totalSize)
    {
        ArgumentNullException.ThrowIfNull(weightMap);
        WeightMap = weightMap;
        TotalSize = totalSize;
    }

    /// <summary>Tensor name to shard file name (relative to the index's directory).</summary>
    public IReadOnlyDictionary<string, string> WeightMap { get; }

    /// <summary><c>metadata.total_size</c>: the sum of the tensors' byte lengths, when the index gives it.</summary>
    public long? TotalSize { get; }

    /// <summary>Reads and checks an index file.</summary>
    /// <exception cref="SafetensorsException">The file cannot be read or is not an index.</exception>
    public static SafetensorsIndex Read(string path)
    {
        const string Remedy = "Download the checkpoint again, or delete the index to load every *.safetensors file of the directory.";
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsException($"{path}: the index cannot be read ({e.Message}).", e);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new SafetensorsException($"{path}: the index is not valid JSON ({e.Message}). {Remedy}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsException(
                    $"{path}: expected an object with a \"weight_map\" object (tensor name -> shard file) but found none. {Remedy}");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(entry.Value.GetString()))
                {
                    throw new SafetensorsException(
                        $"{path}: weight_map entry for tensor '{entry.Name}' must be a shard file name but is {entry.Value.GetRawText()}. {Remedy}");
                }

                if (!weightMap.TryAdd(entry.Name, entry.Value.GetString()!))
                {
                    throw new SafetensorsException($"{path}: tensor '{entry.Name}' appears twice in weight_map. {Remedy}");
                }
            }

            long? totalSize = null;
            if (root.TryGetProperty("metadata", out JsonElement metadata)
                && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("total_size", out JsonElement total)
                && total.ValueKind == JsonValueKind.Number
                && total.TryGetInt64(out long size))
            {
                totalSize = size;
            }

            return new SafetensorsIndex(weightMap, totalSize);
        }
    }

    /// <summary>The index as JSON, weight_map sorted by tensor name, indented like the Hugging Face tools write it.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            if (TotalSize is long total)
            {
                writer.WriteNumber("total_size", total);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (KeyValuePair<string, string> entry in WeightMap.OrderBy(entry => entry.Key, StringComparer.Ordinal))
            {
                writer.WriteString(entry.Key, entry.Value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
