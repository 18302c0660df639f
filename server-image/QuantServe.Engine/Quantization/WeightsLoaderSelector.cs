using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// Picks the loader for a checkpoint and a --quantize value, with TGI's precedence: a pre-quantized
/// checkpoint (gptq, awq, marlin, exl2 declared in its configs) is served as it is stored, an explicit
/// --quantize overriding or converting where TGI allows it and failing where it cannot apply; a load-time
/// scheme quantizes float weights (or reads a bitsandbytes / fp8 / EETQ checkpoint of that scheme); a
/// checkpoint quantized in one of those formats is detected from its tensors without a flag; anything
/// else is served dense.
/// </summary>
public static class WeightsLoaderSelector
{
    /// <summary>Every --quantize value the engine accepts.</summary>
    public static IReadOnlyList<string> Schemes { get; } = [.. QuantizationSchemes.Names, .. PrequantizedDetection.PrequantizedSchemes];

    /// <param name="quantize">--quantize, or null to detect from the checkpoint.</param>
    /// <param name="dtype">--dtype, or null to keep the stored precision.</param>
    public static IWeightsLoader Select(CheckpointTensors tensors, string? quantize, WeightDType? dtype)
    {
        if (quantize is not null && !Schemes.Contains(quantize))
            throw new ArgumentException($"--quantize '{quantize}' is not a quantization scheme; choose one of {string.Join(", ", Schemes)}");
        QuantizationSchemes.CheckDType(quantize, dtype);
        if (PrequantizedDetection.CreateLoader(tensors, quantize) is { } prequantized)
            return prequantized;
        var scheme = quantize ?? QuantizationSchemes.DetectPreQuantized(tensors.Checkpoint);
        return scheme is null ? new DenseWeightsLoader(tensors, dtype) : QuantizationSchemes.Create(scheme, tensors, dtype);
    }
}
