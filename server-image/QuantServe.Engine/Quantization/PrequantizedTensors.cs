using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// Tensor access shared by the pre-quantized loaders: every error names the layer, the tensor, what was
/// expected and what was found.
/// </summary>
internal static class PrequantizedTensors
{
    public static TensorView Require(CheckpointTensors tensors, string scheme, string prefix, string suffix, params long[] shape)
    {
        string name = $"{prefix}.{suffix}";
        if (!tensors.Contains(name))
            throw new InvalidDataException(
                $"layer '{prefix}': tensor '{name}' is missing; a {scheme} checkpoint stores it for every quantized linear layer. " +
                $"Is the checkpoint really {scheme}-quantized (see its config.json quantization_config)?");
        return tensors.Require(name, shape);
    }

    /// <summary>A tensor whose shape the file decides (exl2); the caller checks it with <see cref="CheckShape"/>.</summary>
    public static TensorView Find(CheckpointTensors tensors, string scheme, string prefix, string suffix)
    {
        string name = $"{prefix}.{suffix}";
        if (!tensors.Contains(name))
            throw new InvalidDataException($"layer '{prefix}': tensor '{name}' is missing; a {scheme} checkpoint stores it for every quantized linear layer.");
        return tensors.Checkpoint.Get(name);
    }

    public static void CheckShape(TensorView view, bool ok, string expected)
    {
        if (!ok)
            throw new InvalidDataException($"{view.FilePath}: tensor '{view.Name}' has shape {view.Info.ShapeText}, expected {expected}.");
    }

    public static ReadOnlySpan<int> Int32s(TensorView view)
    {
        if (view.DType != SafetensorsDType.I32)
            throw new InvalidDataException($"{view.FilePath}: tensor '{view.Name}' is {SafetensorsDTypes.Name(view.DType)}, expected I32 (packed codes).");
        return view.AsSpan<int>();
    }

    public static short[] Int16s(TensorView view)
    {
        return view.DType switch
        {
            SafetensorsDType.I16 => view.AsSpan<short>().ToArray(),
            SafetensorsDType.I32 => Array.ConvertAll(view.AsSpan<int>().ToArray(), v => (short)v),
            SafetensorsDType.I64 => Array.ConvertAll(view.AsSpan<long>().ToArray(), v => (short)v),
            _ => throw new InvalidDataException($"{view.FilePath}: tensor '{view.Name}' is {SafetensorsDTypes.Name(view.DType)}, expected I16."),
        };
    }

    /// <summary>Scales as fp16 (TGI casts float scales to half as well).</summary>
    public static Half[] Halfs(TensorView view)
    {
        if (view.DType == SafetensorsDType.F16)
            return view.AsSpan<Half>().ToArray();
        if (view.DType is SafetensorsDType.F32 or SafetensorsDType.BF16)
            return Array.ConvertAll(view.ToFloat32(), v => (Half)v);
        throw new InvalidDataException($"{view.FilePath}: tensor '{view.Name}' is {SafetensorsDTypes.Name(view.DType)}, expected F16 scales.");
    }

    /// <summary>Turns a kernel-side repack's argument error into one that names the layer and the tensor.</summary>
    public static InvalidDataException Describe(string prefix, ArgumentException e)
    {
        string tensor = e.ParamName is null ? "" : $"tensor '{prefix}.{e.ParamName}': ";
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
        return new InvalidDataException($"layer '{prefix}': {tensor}{message}", e);
    }

    public static float[]? Bias(CheckpointTensors tensors, string prefix, int outFeatures, bool hasBias) =>
        hasBias ? tensors.Vector(prefix + ".bias", outFeatures) : null;

    /// <summary>Whether config.json's modules_to_not_convert leaves this layer dense.</summary>
    public static bool NotConverted(PrequantizedConfig config, string prefix) =>
        config.ModulesToNotConvert.Any(m => prefix == m || prefix.EndsWith("." + m, StringComparison.Ordinal) || prefix.Contains("." + m + ".", StringComparison.Ordinal) || prefix.StartsWith(m + ".", StringComparison.Ordinal));
}
