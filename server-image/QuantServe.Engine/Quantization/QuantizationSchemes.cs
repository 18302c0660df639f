using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// The load-time --quantize values and the loader each one selects. As in TGI, --dtype may only be combined
/// with the bitsandbytes schemes; for the others the weights' format decides the precision.
/// </summary>
public static class QuantizationSchemes
{
    /// <summary>TGI's error (text-generation-server serve) for --dtype with another scheme.</summary>
    public const string DTypeConflictMessage =
        "Only 1 can be set between `dtype` and `quantize`, as they both decide how goes the final model.";

    private static readonly Dictionary<string, Func<CheckpointTensors, WeightDType?, IWeightsLoader>> Factories = new()
    {
        [BitsandbytesInt8Loader.Name] = (tensors, dtype) => new BitsandbytesInt8Loader(tensors, dtype),
        [Bitsandbytes4BitLoader.Nf4Name] = (tensors, dtype) => new Bitsandbytes4BitLoader(tensors, Bnb4BitType.Nf4, dtype),
        [Bitsandbytes4BitLoader.Fp4Name] = (tensors, dtype) => new Bitsandbytes4BitLoader(tensors, Bnb4BitType.Fp4, dtype),
        [EetqLoader.Name] = (tensors, _) => new EetqLoader(tensors),
        [Fp8Loader.Name] = (tensors, _) => new Fp8Loader(tensors),
    };

    /// <summary>The --quantize names handled here, in TGI's order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [BitsandbytesInt8Loader.Name, Bitsandbytes4BitLoader.Nf4Name, Bitsandbytes4BitLoader.Fp4Name, EetqLoader.Name, Fp8Loader.Name];

    public static bool IsLoadTimeScheme(string name) => Factories.ContainsKey(name);

    public static bool AllowsDType(string? quantize) =>
        quantize is null or BitsandbytesInt8Loader.Name or Bitsandbytes4BitLoader.Nf4Name or Bitsandbytes4BitLoader.Fp4Name;

    /// <summary>Throws TGI's error when --dtype is given with a scheme other than the bitsandbytes ones.</summary>
    public static void CheckDType(string? quantize, WeightDType? dtype)
    {
        if (dtype is not null && !AllowsDType(quantize))
        {
            throw new ArgumentException(DTypeConflictMessage);
        }
    }

    /// <summary>The loader factory of a --quantize name.</summary>
    public static Func<CheckpointTensors, WeightDType?, IWeightsLoader> Factory(string quantize)
    {
        ArgumentNullException.ThrowIfNull(quantize);
        return Factories.TryGetValue(quantize, out var factory)
            ? factory
            : throw new ArgumentException($"--quantize '{quantize}' is not a load-time scheme; expected one of {string.Join(", ", Names)}.", nameof(quantize));
    }

    /// <summary>Checks the --dtype rule, then makes the scheme's loader.</summary>
    public static IWeightsLoader Create(string quantize, CheckpointTensors tensors, WeightDType? dtype)
    {
        CheckDType(quantize, dtype);
        return Factory(quantize)(tensors, dtype);
    }

    /// <summary>
    /// The scheme a checkpoint is already quantized in, from its tensors alone (no flag needed): any F8_E4M3
    /// tensor means fp8; a bitsandbytes 4-bit quant state means nf4 / fp4; <c>SCB</c> row statistics mean
    /// bitsandbytes int8; I8 weights with <c>weight_scale</c> mean an EETQ checkpoint. Null for float checkpoints.
    /// </summary>
    public static string? DetectPreQuantized(SafetensorsCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        foreach (string name in checkpoint.TensorNames)
        {
            if (name.EndsWith(Bitsandbytes4BitLoader.QuantStatePrefix + "nf4", StringComparison.Ordinal))
            {
                return Bitsandbytes4BitLoader.Nf4Name;
            }

            if (name.EndsWith(Bitsandbytes4BitLoader.QuantStatePrefix + "fp4", StringComparison.Ordinal))
            {
                return Bitsandbytes4BitLoader.Fp4Name;
            }

            if (name.EndsWith(".SCB", StringComparison.Ordinal))
            {
                return BitsandbytesInt8Loader.Name;
            }

            TensorView tensor = checkpoint.Get(name);
            if (tensor.DType == SafetensorsDType.F8_E4M3)
            {
                return Fp8Loader.Name;
            }

            if (name.EndsWith(EetqLoader.ScaleSuffix, StringComparison.Ordinal)
                && checkpoint.TryGet(name[..^EetqLoader.ScaleSuffix.Length] + ".weight", out TensorView weight)
                && weight.DType == SafetensorsDType.I8)
            {
                return EetqLoader.Name;
            }
        }

        return null;
    }
}
