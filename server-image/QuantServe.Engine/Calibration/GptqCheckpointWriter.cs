using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// Writes a GPTQ checkpoint while quantization runs, so that only one layer's packed tensors are held
/// at a time: every tensor's name, dtype and shape is known before the first layer is quantized, so the
/// safetensors header (metadata {"format":"pt","quantized":"gptq"}) is written first and the quantized
/// tensors follow in the order they are produced, then every tensor copied from the source (embeddings,
/// norms, lm_head, biases). Everything goes into <c>OUTPUT.partial-PID</c> beside the output directory,
/// which gets config.json (with quantization_config) and the tokenizer files and is renamed to OUTPUT
/// only when complete; disposing an incomplete writer deletes it.
/// </summary>
public sealed class GptqCheckpointWriter : IDisposable
{
    /// <summary>Files copied from the source model next to the weights.</summary>
    public static readonly string[] TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt",
        "added_tokens.json", "generation_config.json", "chat_template.json", "chat_template.jinja",
    ];

    private readonly string _output, _temporary, _sourceDirectory;
    private readonly SafetensorsCheckpoint _source;
    private readonly GptqOptions _options;
    private readonly List<TensorData> _planned;
    private readonly List<string> _copied;
    private FileStream? _stream;
    private int _next;
    private bool _completed;

    /// <param name="projections">Every projection to quantize, by full prefix (<c>model.layers.3.mlp.up_proj</c>), in the order they will be written.</param>
    public GptqCheckpointWriter(string outputDirectory, SafetensorsCheckpoint source, GptqOptions options, IReadOnlyList<(string Prefix, int OutFeatures, int InFeatures)> projections)
    {
        _output = Path.GetFullPath(outputDirectory);
        _source = source;
        _sourceDirectory = source.DirectoryPath;
        _options = options;
        if (File.Exists(_output))
            throw new IOException($"output directory '{outputDirectory}' is an existing file");
        if (Directory.Exists(_output) && Directory.EnumerateFileSystemEntries(_output).Any())
            throw new IOException($"output directory '{outputDirectory}' already exists and is not empty; choose a new directory or empty it");
        if (Path.GetFullPath(_sourceDirectory).TrimEnd('/') == _output.TrimEnd('/'))
            throw new IOException($"output directory '{outputDirectory}' is the model's own directory");

        _planned = [];
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, n, k) in projections)
        {
            GptqPacker.CheckShape(k, n, options.Bits);
            int groups = options.GroupSize <= 0 ? 1 : (k + options.GroupSize - 1) / options.GroupSize;
            _planned.Add(new TensorData(prefix + ".qweight", SafetensorsDType.I32, [k * options.Bits / 32, n], ReadOnlyMemory<byte>.Empty));
            _planned.Add(new TensorData(prefix + ".qzeros", SafetensorsDType.I32, [groups, n * options.Bits / 32], ReadOnlyMemory<byte>.Empty));
            _planned.Add(new TensorData(prefix + ".g_idx", SafetensorsDType.I32, [k], ReadOnlyMemory<byte>.Empty));
            _planned.Add(new TensorData(prefix + ".scales", SafetensorsDType.F16, [groups, n], ReadOnlyMemory<byte>.Empty));
            replaced.Add(prefix + ".weight");
        }
        // Every quantized tensor is a multiple of 4 bytes, so copied tensors sorted by falling alignment stay aligned.
        _copied = source.TensorNames.Where(name => !replaced.Contains(name))
            .OrderByDescending(name => SafetensorsDTypes.SizeOf(source.Get(name).DType))
            .ThenBy(name => name, StringComparer.Ordinal)
            .ToList();

        _temporary = _output.TrimEnd('/') + ".partial-" + Environment.ProcessId;
        try
        {
            if (Directory.Exists(_temporary))
                Directory.Delete(_temporary, recursive: true);
            Directory.CreateDirectory(_temporary);
            _stream = new FileStream(Path.Combine(_temporary, SafetensorsWriter.SingleFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            WriteHeader();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new IOException($"cannot write the output next to '{outputDirectory}' ({_temporary}): {e.Message}", e);
        }
    }

    /// <summary>The directory being written (renamed to the output directory by <see cref="Complete"/>).</summary>
    public string TemporaryDirectory => _temporary;

    /// <summary>Writes the next projection's tensors; projections must come in the order given to the constructor.</summary>
    public void Write(string prefix, QuantizedWeight weight)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(GptqCheckpointWriter));
        if (_next >= _planned.Count || _planned[_next].Name != prefix + ".qweight")
            throw new InvalidOperationException($"projection '{prefix}' is written out of order; expected {(_next < _planned.Count ? _planned[_next].Name : "no more")}");
        WritePlanned(stream, MemoryMarshal.AsBytes(GptqPacker.PackWeight(weight).AsSpan()));
        WritePlanned(stream, MemoryMarshal.AsBytes(GptqPacker.PackZeros(weight).AsSpan()));
        WritePlanned(stream, MemoryMarshal.AsBytes(weight.GroupIndex.AsSpan()));
        WritePlanned(stream, MemoryMarshal.AsBytes(GptqPacker.PackScales(weight).AsSpan()));
    }

    /// <summary>Copies the remaining tensors, config.json and tokenizer files, and renames the directory into place.</summary>
    public void Complete(JsonObject? extraQuantizationConfig = null)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(GptqCheckpointWriter));
        if (_next != _planned.Count)
            throw new InvalidOperationException($"only {_next / 4} of {_planned.Count / 4} projections were written");
        foreach (var name in _copied)
            stream.Write(_source.Get(name).Bytes);
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_sourceDirectory, "config.json")))!.AsObject();
        var quantization = new JsonObject
        {
            ["bits"] = _options.Bits,
            ["group_size"] = _options.GroupSize,
            ["damp_percent"] = _options.PercDamp,
            ["desc_act"] = _options.ActOrder,
            ["static_groups"] = false,
            ["sym"] = _options.Sym,
            ["true_sequential"] = true,
            ["quant_method"] = "gptq",
            ["checkpoint_format"] = "gptq",
        };
        foreach (var (key, value) in extraQuantizationConfig ?? [])
            quantization[key] = value?.DeepClone();
        config["quantization_config"] = quantization;
        File.WriteAllText(Path.Combine(_temporary, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        foreach (var file in TokenizerFiles)
        {
            var from = Path.Combine(_sourceDirectory, file);
            if (File.Exists(from))
                File.Copy(from, Path.Combine(_temporary, file));
        }
        if (Directory.Exists(_output))
            Directory.Delete(_output); // checked empty at the start
        Directory.Move(_temporary, _output);
        _completed = true;
    }

    private void WritePlanned(FileStream stream, ReadOnlySpan<byte> data)
    {
        var planned = _planned[_next++];
        long expected = SafetensorsDTypes.SizeOf(planned.DType) * planned.Shape.Aggregate(1L, (a, b) => a * b);
        if (data.Length != expected)
            throw new InvalidOperationException($"tensor '{planned.Name}' has {data.Length} bytes, the header promised {expected}");
        stream.Write(data);
    }

    private void WriteHeader()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject(SafetensorsHeader.MetadataKey);
            json.WriteString("format", "pt");
            json.WriteString("quantized", "gptq");
            json.WriteEndObject();
            long offset = 0;
            var entries = _planned.Select(t => (t.Name, t.DType, t.Shape, Bytes: SafetensorsDTypes.SizeOf(t.DType) * t.Shape.Aggregate(1L, (a, b) => a * b)))
                .Concat(_copied.Select(name => _source.Get(name).Info).Select(i => (i.Name, i.DType, i.Shape, Bytes: i.ByteLength)));
            foreach (var (name, dtype, shape, bytes) in entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDTypes.Name(dtype));
                json.WriteStartArray("shape");
                foreach (long dim in shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += bytes;
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
        _stream!.Write(length);
        _stream.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_completed && Directory.Exists(_temporary))
        {
            try
            {
                Directory.Delete(_temporary, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The error that stopped the run is the one worth reporting.
            }
        }
    }
}
