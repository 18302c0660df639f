using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// Writes a GPTQ checkpoint while quantization runs, one layer's packed tensors at a time: every
/// projection's qweight, qzeros, g_idx and scales are planned before the first layer is quantized, and a
/// <see cref="DerivedCheckpointWriter"/> streams them (safetensors metadata {"format":"pt","quantized":"gptq"})
/// next to every tensor copied from the source, then adds config.json with the quantization_config.
/// </summary>
public sealed class GptqCheckpointWriter : IDisposable
{
    private readonly GptqOptions _options;
    private readonly DerivedCheckpointWriter _writer;
    private readonly int _projections;

    /// <param name="projections">Every projection to quantize, by full prefix (<c>model.layers.3.mlp.up_proj</c>), in the order they will be written.</param>
    public GptqCheckpointWriter(string outputDirectory, SafetensorsCheckpoint source, GptqOptions options, IReadOnlyList<(string Prefix, int OutFeatures, int InFeatures)> projections)
    {
        _options = options;
        _projections = projections.Count;
        var planned = new List<(string Name, SafetensorsDType DType, long[] Shape)>();
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, n, k) in projections)
        {
            GptqPacker.CheckShape(k, n, options.Bits);
            int groups = options.GroupSize <= 0 ? 1 : (k + options.GroupSize - 1) / options.GroupSize;
            planned.Add((prefix + ".qweight", SafetensorsDType.I32, [k * options.Bits / 32, n]));
            planned.Add((prefix + ".qzeros", SafetensorsDType.I32, [groups, n * options.Bits / 32]));
            planned.Add((prefix + ".g_idx", SafetensorsDType.I32, [k]));
            planned.Add((prefix + ".scales", SafetensorsDType.F16, [groups, n]));
            replaced.Add(prefix + ".weight");
        }
        _writer = new DerivedCheckpointWriter(outputDirectory, source, planned, replaced,
            new Dictionary<string, string> { ["format"] = "pt", ["quantized"] = "gptq" });
    }

    /// <summary>Writes the next projection's tensors; projections must come in the order given to the constructor.</summary>
    public void Write(string prefix, QuantizedWeight weight)
    {
        if (_writer.Next != prefix + ".qweight")
            throw new InvalidOperationException($"projection '{prefix}' is written out of order; expected {_writer.Next ?? "no more"}");
        _writer.Write(prefix + ".qweight", MemoryMarshal.AsBytes(GptqPacker.PackWeight(weight).AsSpan()));
        _writer.Write(prefix + ".qzeros", MemoryMarshal.AsBytes(GptqPacker.PackZeros(weight).AsSpan()));
        _writer.Write(prefix + ".g_idx", MemoryMarshal.AsBytes(weight.GroupIndex.AsSpan()));
        _writer.Write(prefix + ".scales", MemoryMarshal.AsBytes(GptqPacker.PackScales(weight).AsSpan()));
    }

    /// <summary>Copies the remaining tensors, config.json and tokenizer files, and renames the directory into place.</summary>
    public void Complete(JsonObject? extraQuantizationConfig = null)
    {
        if (_writer.Next is not null)
            throw new InvalidOperationException($"only {_writer.Written / 4} of {_projections} projections were written");
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
        _writer.Complete(quantization);
    }

    public void Dispose() => _writer.Dispose();
}
