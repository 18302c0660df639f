using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// <c>--quantize bitsandbytes</c>: LLM.int8(). <c>{prefix}.weight</c> in fp32/fp16/bf16 is quantized at load
/// to per-row absmax int8; a checkpoint that transformers saved in 8-bit (<c>weight</c> I8 [out, in] plus
/// <c>SCB</c> F32 [out], the row absmax) is used as is. Forward: <see cref="LlmInt8MatMul"/> with the
/// outlier threshold (6.0 by default, bitsandbytes' llm_int8_threshold).
/// </summary>
public sealed class BitsandbytesInt8Loader(CheckpointTensors tensors, WeightDType? dtype, float threshold = LlmInt8MatMul.DefaultThreshold)
    : IWeightsLoader
{
    public const string Name = "bitsandbytes";

    public string Scheme => Name;

    /// <summary>The --dtype given with the scheme (TGI allows it for bitsandbytes); activations stay fp32 on the CPU.</summary>
    public WeightDType? DType => dtype;

    public float Threshold => threshold;

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias) =>
        LoaderErrors.ForLayer(Name, prefix, () =>
        {
            TensorView weight = tensors.Require(prefix + ".weight", outFeatures, inFeatures);
            Int8RowWeights packed;
            if (weight.DType == SafetensorsDType.I8)
            {
                float[] absmax = tensors.Vector(prefix + ".SCB", outFeatures);
                packed = new Int8RowWeights(weight.AsSpan<sbyte>(), absmax.Select(a => a / 127f).ToArray(), outFeatures, inFeatures);
            }
            else
            {
                packed = Int8RowWeights.Quantize(LoaderErrors.FloatWeight(weight, Name), outFeatures, inFeatures);
            }

            float[]? bias = hasBias ? tensors.Vector(prefix + ".bias", outFeatures) : null;
            unsafe
            {
                return new QuantizedLinear(Name, inFeatures, outFeatures, packed.Bytes,
                    (x, y, rows) => LlmInt8MatMul.Multiply(packed, x, y, rows, threshold), bias);
            }
        });
}
