using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// Decides which pre-quantized loader serves a checkpoint, with TGI's rules: the checkpoint's declared
/// quant_method (read by <see cref="QuantizationConfigReader"/>, then overridden by legacy
/// <c>gptq_bits</c> / <c>gptq_groupsize</c> / <c>gptq_sym</c> tensors) picks the scheme unless
/// <c>--quantize</c> names one; a request that cannot apply to what the checkpoint is fails, naming both.
/// Accepted combinations: gptq->gptq|marlin, awq->awq|gptq (converted)|marlin, exl2->exl2,
/// marlin->marlin; an undeclared checkpoint takes any explicit pre-quantized scheme (TGI's defaults).
/// </summary>
public static class PrequantizedDetection
{
    public static IReadOnlyList<string> PrequantizedSchemes { get; } = ["gptq", "awq", "marlin", "exl2"];

    public static IReadOnlyList<string> LoadTimeSchemes { get; } = ["bitsandbytes", "bitsandbytes-nf4", "bitsandbytes-fp4", "eetq", "fp8"];

    /// <summary>
    /// The loader for a pre-quantized checkpoint, or null when neither the checkpoint nor
    /// <paramref name="quantize"/> calls for one (dense and load-time schemes are loaded elsewhere).
    /// </summary>
    public static IWeightsLoader? CreateLoader(CheckpointTensors tensors, string? quantize)
    {
        var config = ApplyLegacyTensors(QuantizationConfigReader.Read(tensors.Checkpoint.DirectoryPath), tensors);
        return Resolve(config, quantize) switch
        {
            null => null,
            "gptq" => new GptqWeightsLoader(tensors, config),
            "awq" => new AwqWeightsLoader(tensors, config),
            "marlin" => new MarlinWeightsLoader(tensors, config),
            _ => new Exl2WeightsLoader(tensors, config),
        };
    }

    /// <summary>The checkpoint's kind, as error messages and logs name it: gptq, awq, exl2, marlin, fp8... or null (not declared).</summary>
    public static string? CheckpointKind(PrequantizedConfig config)
    {
        if (config.CheckpointFormat is "marlin" or "marlin_24")
            return "marlin";
        return config.QuantMethod switch
        {
            null => null,
            "fbgemm_fp8" => "fp8",
            var m => m,
        };
    }

    /// <summary>The pre-quantized scheme to load with, or null when this checkpoint and request need none.</summary>
    public static string? Resolve(PrequantizedConfig config, string? quantize)
    {
        string? kind = CheckpointKind(config);
        string? asked = quantize?.Trim().ToLowerInvariant();
        bool prequantized = kind is not null && PrequantizedSchemes.Contains(kind);
        if (string.IsNullOrEmpty(asked))
            return prequantized ? kind : null;

        string what = kind is null ? "declares no quantization" : $"is {kind}-quantized";
        string Fail(string hint) =>
            throw new InvalidOperationException($"--quantize {asked} cannot serve this checkpoint: it {what} ({config.Source}). {hint}");

        if (LoadTimeSchemes.Contains(asked))
        {
            if (prequantized)
                Fail($"{asked} quantizes fp16/bf16 weights at load time; drop --quantize or use --quantize {kind}.");
            return null;
        }
        if (!PrequantizedSchemes.Contains(asked))
            throw new ArgumentException(
                $"--quantize {asked} is unknown; pre-quantized schemes are {string.Join(", ", PrequantizedSchemes)} and load-time schemes {string.Join(", ", LoadTimeSchemes)}.");
        if (kind is null)
            return asked; // TGI: the explicit flag wins and the defaults (4 bits, group -1) apply.

        return (kind, asked) switch
        {
            ("gptq", "gptq" or "marlin") => asked,
            ("awq", "awq" or "gptq" or "marlin") => asked,
            ("exl2", "exl2") => asked,
            ("marlin", "marlin") => asked,
            ("gptq", "awq") => Fail("AWQ kernels cannot read GPTQ packing; use --quantize gptq (or marlin), or omit --quantize."),
            (_, _) when !prequantized => Fail($"{kind} is not a {asked} checkpoint; omit --quantize or pass --quantize {kind}."),
            _ => Fail($"the {kind} layout cannot be read as {asked}; omit --quantize or pass --quantize {kind}."),
        };
    }

    /// <summary>Legacy GPTQ checkpoints carry their parameters as scalar tensors, which win over the config files.</summary>
    public static PrequantizedConfig ApplyLegacyTensors(PrequantizedConfig config, CheckpointTensors tensors)
    {
        int? bits = LegacyScalar(tensors, "gptq_bits");
        int? group = LegacyScalar(tensors, "gptq_groupsize");
        int? sym = LegacyScalar(tensors, "gptq_sym");
        if (bits is null && group is null && sym is null)
            return config;
        return config with
        {
            QuantMethod = config.QuantMethod ?? "gptq",
            Bits = bits ?? config.Bits,
            GroupSize = group ?? config.GroupSize,
            Sym = sym is null ? config.Sym : sym != 0,
            Source = config.Source + " and legacy gptq_* tensors",
        };
    }

    private static int? LegacyScalar(CheckpointTensors tensors, string name)
    {
        if (!tensors.Contains(name))
            return null;
        var values = tensors.Checkpoint.Get(name).ToFloat32();
        if (values.Length != 1)
            throw new InvalidDataException($"tensor '{name}' holds {values.Length} values; a legacy gptq parameter is a single number.");
        return (int)values[0];
    }
}
