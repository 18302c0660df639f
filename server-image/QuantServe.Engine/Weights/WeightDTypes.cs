using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Weights;

/// <summary>Names and sizes of <see cref="WeightDType"/>, as TGI's --dtype and config.json's torch_dtype spell them.</summary>
public static class WeightDTypes
{
    public static int SizeOf(WeightDType dtype) => dtype == WeightDType.F32 ? 4 : 2;

    /// <summary>Parses --dtype / torch_dtype values: float32, float16, bfloat16 (and f32, fp16, bf16, half).</summary>
    public static WeightDType Parse(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" or "float" => WeightDType.F32,
        "float16" or "fp16" or "f16" or "half" => WeightDType.F16,
        "bfloat16" or "bf16" => WeightDType.BF16,
        _ => throw new ArgumentException($"unknown dtype '{name}'; use float32, float16 or bfloat16"),
    };

    public static string Name(WeightDType dtype) => dtype switch
    {
        WeightDType.F32 => "float32",
        WeightDType.F16 => "float16",
        _ => "bfloat16",
    };

    public static WeightDType? FromSafetensors(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => WeightDType.F32,
        SafetensorsDType.F16 => WeightDType.F16,
        SafetensorsDType.BF16 => WeightDType.BF16,
        _ => null,
    };

    public static SafetensorsDType ToSafetensors(WeightDType dtype) => dtype switch
    {
        WeightDType.F32 => SafetensorsDType.F32,
        WeightDType.F16 => SafetensorsDType.F16,
        _ => SafetensorsDType.BF16,
    };
}
