using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Quantization;

/// <summary>Puts the layer and scheme in front of checkpoint errors, which already name the file and tensor.</summary>
internal static class LoaderErrors
{
    public static T ForLayer<T>(string scheme, string prefix, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is SafetensorsException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"--quantize {scheme}: layer '{prefix}': {e.Message}", e);
        }
    }

    public static InvalidDataException Unexpected(TensorView tensor, string expected) => new(
        $"{tensor.FilePath}: tensor '{tensor.Name}' is {SafetensorsDTypes.Name(tensor.DType)}{tensor.Info.ShapeText}; expected {expected}.");

    public static bool IsFloat(SafetensorsDType dtype) =>
        dtype is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16;

    /// <summary>The fp32/fp16/bf16 weight [out, in] as fp32 for a dynamic quantizer.</summary>
    public static float[] FloatWeight(TensorView weight, string scheme)
    {
        if (!IsFloat(weight.DType))
        {
            throw Unexpected(weight, $"F32, F16 or BF16 weights to quantize with --quantize {scheme}");
        }

        return weight.ToFloat32();
    }

    /// <summary>A scale tensor that is a scalar (shape [] or [1]) or one value per row ([rows] or [rows, 1]), as fp32 per row.</summary>
    public static float[] RowScales(TensorView scale, int rows)
    {
        if (!IsFloat(scale.DType))
        {
            throw Unexpected(scale, "an F32, F16 or BF16 scale");
        }

        long count = scale.ElementCount;
        bool scalar = count == 1 && scale.Rank <= 2;
        bool perRow = count == rows && (scale.Rank == 1 || (scale.Rank == 2 && scale.Dim(1) == 1));
        if (!scalar && !perRow)
        {
            throw Unexpected(scale, $"a scalar or one scale per output row ([{rows}] or [{rows}, 1])");
        }

        float[] values = scale.ToFloat32();
        return scalar ? Enumerable.Repeat(values[0], rows).ToArray() : values;
    }
}
