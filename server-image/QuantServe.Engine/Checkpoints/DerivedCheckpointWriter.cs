using System.Text.Json;
using System.Text.Json.Nodes;

namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// Writes a model directory derived from a source checkpoint (a quantized copy of it) while its new tensors
/// are produced, so that only one of them needs to be held at a time: every new tensor's name, dtype and
/// shape is planned up front, so the safetensors header is written first; the new tensors follow in plan
/// order (<see cref="Write"/>), then every source tensor they do not replace is copied. Everything goes into
/// <c>OUTPUT.partial-PID</c> beside the output directory, which gets config.json (with the
/// quantization_config) and the tokenizer files and is renamed to OUTPUT only by <see cref="Complete"/>;
/// disposing an incomplete writer deletes it.
/// </summary>
public sealed class DerivedCheckpointWriter : IDisposable
{
    /// <summary>Files copied from the source model next to the weights.</summary>
    public static readonly string[] TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt",
        "added_tokens.json", "generation_config.json", "chat_template.json", "chat_template.jinja",
    ];

    private readonly string _output, _temporary;
    private readonly SafetensorsCheckpoint _source;
    private readonly IReadOnlyList<(string Name, SafetensorsDType DType, long[] Shape)> _planned;
    private readonly List<string> _copied;
    private FileStream? _stream;
    private int _next;
    private bool _completed;

    /// <param name="planned">The new tensors in the order they will be written; each must fill a multiple of 4 bytes.</param>
    /// <param name="replacedSourceTensors">Source tensors the new ones replace (not copied).</param>
    /// <param name="metadata">The safetensors header's <c>__metadata__</c>.</param>
    public DerivedCheckpointWriter(
        string outputDirectory, SafetensorsCheckpoint source, IReadOnlyList<(string Name, SafetensorsDType DType, long[] Shape)> planned,
        IReadOnlySet<string> replacedSourceTensors, IReadOnlyDictionary<string, string> metadata)
    {
        _output = Path.GetFullPath(outputDirectory);
        _source = source;
        _planned = planned;
        if (File.Exists(_output))
            throw new IOException($"output directory '{outputDirectory}' is an existing file");
        if (Directory.Exists(_output) && Directory.EnumerateFileSystemEntries(_output).Any())
            throw new IOException($"output directory '{outputDirectory}' already exists and is not empty; choose a new directory or empty it");
        if (Path.GetFullPath(source.DirectoryPath).TrimEnd('/') == _output.TrimEnd('/'))
            throw new IOException($"output directory '{outputDirectory}' is the model's own directory");

        // Copied tensors sorted by falling element size stay aligned after new tensors of whole 4-byte words.
        _copied = source.TensorNames.Where(name => !replacedSourceTensors.Contains(name))
            .OrderByDescending(name => SafetensorsDTypes.SizeOf(source.Get(name).DType))
            .ThenBy(name => name, StringComparer.Ordinal)
            .ToList();
        var layout = planned.Concat(_copied.Select(name => source.Get(name).Info).Select(i => (i.Name, i.DType, i.Shape)));

        _temporary = _output.TrimEnd('/') + ".partial-" + Environment.ProcessId;
        try
        {
            if (Directory.Exists(_temporary))
                Directory.Delete(_temporary, recursive: true);
            Directory.CreateDirectory(_temporary);
            _stream = new FileStream(Path.Combine(_temporary, SafetensorsWriter.SingleFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            SafetensorsWriter.WriteHeader(_stream, layout, metadata);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Dispose();
            throw new IOException($"cannot write the output next to '{outputDirectory}' ({_temporary}): {e.Message}", e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The name of the planned tensor <see cref="Write"/> takes next; null once all are written.</summary>
    public string? Next => _next < _planned.Count ? _planned[_next].Name : null;

    /// <summary>How many planned tensors have been written.</summary>
    public int Written => _next;

    /// <summary>Writes the next planned tensor's bytes; its name and size must be the ones planned.</summary>
    public void Write(string name, ReadOnlySpan<byte> data)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(DerivedCheckpointWriter));
        if (Next != name)
            throw new InvalidOperationException($"tensor '{name}' is written out of order; expected {Next ?? "no more"}");
        var planned = _planned[_next];
        long expected = SafetensorsDTypes.SizeOf(planned.DType) * planned.Shape.Aggregate(1L, (a, b) => a * b);
        if (data.Length != expected)
            throw new InvalidOperationException($"tensor '{name}' has {data.Length} bytes, the header promised {expected}");
        stream.Write(data);
        _next++;
    }

    /// <summary>Copies the remaining source tensors, config.json (with <paramref name="quantizationConfig"/>) and tokenizer files, and renames the directory into place.</summary>
    public void Complete(JsonObject quantizationConfig)
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(DerivedCheckpointWriter));
        if (Next is not null)
            throw new InvalidOperationException($"only {_next} of {_planned.Count} planned tensors were written");
        foreach (var name in _copied)
            stream.Write(_source.Get(name).Bytes);
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_source.DirectoryPath, "config.json")))!.AsObject();
        config["quantization_config"] = quantizationConfig.DeepClone();
        File.WriteAllText(Path.Combine(_temporary, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        foreach (var file in TokenizerFiles)
        {
            var from = Path.Combine(_source.DirectoryPath, file);
            if (File.Exists(from))
                File.Copy(from, Path.Combine(_temporary, file));
        }
        if (Directory.Exists(_output))
            Directory.Delete(_output); // checked empty at the start
        Directory.Move(_temporary, _output);
        _completed = true;
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
                // The error that stopped the write is the one worth reporting.
            }
        }
    }
}
