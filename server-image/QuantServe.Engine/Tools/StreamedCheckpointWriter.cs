using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantServe.Engine.Calibration;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tools;

/// <summary>
/// Writes a pre-quantized checkpoint (one model.safetensors, config.json with a quantization_config, the
/// source's tokenizer files) from a bf16 model: the quantized tensors are planned by name, dtype and
/// shape first, so the header is written before any data, then produced one projection at a time (only
/// one projection's packed tensors are held), then every source tensor that was not replaced is copied.
/// Everything goes into <c>OUTPUT.partial-PID</c>, renamed to OUTPUT only when complete.
/// </summary>
public static class StreamedCheckpointWriter
{
    public static void Write(
        string outputDirectory, SafetensorsCheckpoint source, IReadOnlyList<(string Name, SafetensorsDType DType, long[] Shape)> planned,
        IEnumerable<TensorData> produced, IReadOnlySet<string> replacedSourceTensors, JsonObject quantizationConfig)
    {
        string output = Path.GetFullPath(outputDirectory).TrimEnd('/');
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new IOException($"output directory '{outputDirectory}' already exists and is not empty");
        var copied = source.TensorNames.Where(name => !replacedSourceTensors.Contains(name))
            .OrderByDescending(name => SafetensorsDTypes.SizeOf(source.Get(name).DType))
            .ThenBy(name => name, StringComparer.Ordinal)
            .ToList();
        var entries = planned
            .Concat(copied.Select(name => source.Get(name).Info).Select(i => (i.Name, i.DType, i.Shape)))
            .ToList();

        string temporary = output + ".partial-" + Environment.ProcessId;
        if (Directory.Exists(temporary))
            Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        try
        {
            using (var stream = new FileStream(Path.Combine(temporary, SafetensorsWriter.SingleFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteHeader(stream, entries);
                int next = 0;
                foreach (var tensor in produced)
                {
                    if (next >= planned.Count)
                        throw new InvalidOperationException($"tensor '{tensor.Name}' was produced but only {planned.Count} were planned");
                    var (name, dtype, shape) = planned[next++];
                    long expected = SafetensorsDTypes.SizeOf(dtype) * shape.Aggregate(1L, (a, b) => a * b);
                    if (tensor.Name != name || tensor.DType != dtype || tensor.Data.Length != expected)
                        throw new InvalidOperationException(
                            $"tensor '{tensor.Name}' ({tensor.DType}, {tensor.Data.Length} bytes) was produced where the header has '{name}' ({dtype}, {expected} bytes)");
                    stream.Write(tensor.Data.Span);
                }
                if (next != planned.Count)
                    throw new InvalidOperationException($"only {next} of {planned.Count} planned tensors were produced");
                foreach (var name in copied)
                    stream.Write(source.Get(name).Bytes);
            }

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source.DirectoryPath, "config.json")))!.AsObject();
            config["quantization_config"] = quantizationConfig.DeepClone();
            File.WriteAllText(Path.Combine(temporary, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            foreach (var file in GptqCheckpointWriter.TokenizerFiles)
            {
                var from = Path.Combine(source.DirectoryPath, file);
                if (File.Exists(from))
                    File.Copy(from, Path.Combine(temporary, file));
            }
            if (Directory.Exists(output))
                Directory.Delete(output); // checked empty above
            Directory.Move(temporary, output);
        }
        catch
        {
            try
            {
                Directory.Delete(temporary, recursive: true);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The error that stopped the write is the one worth reporting.
            }
            throw;
        }
    }

    private static void WriteHeader(Stream stream, List<(string Name, SafetensorsDType DType, long[] Shape)> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject(SafetensorsHeader.MetadataKey);
            json.WriteString("format", "pt");
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, dtype, shape) in entries)
            {
                int size = SafetensorsDTypes.SizeOf(dtype);
                // The loaders read tensors in place as spans of their element type.
                if (offset % size != 0)
                    throw new InvalidOperationException($"tensor '{name}' ({SafetensorsDTypes.Name(dtype)}) would start at byte {offset}, not a multiple of {size}; plan it earlier");
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDTypes.Name(dtype));
                json.WriteStartArray("shape");
                foreach (long dim in shape)
                    json.WriteNumberValue(dim);
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
        while (buffer.Length % 8 != 0)
            buffer.WriteByte((byte)' ');
        Span<byte> length = stackalloc byte[SafetensorsHeader.LengthPrefixBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)buffer.Length);
        stream.Write(length);
        stream.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }
}
