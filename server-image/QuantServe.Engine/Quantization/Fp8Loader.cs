using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// <c>--quantize fp8</c>: float8 e4m3fn weights with one fp32 scale per output row (<see cref="Fp8MatMul"/>),
/// fp32 activations. Float weights are quantized at load (TGI's fp8_quantize, per row). Pre-quantized
/// checkpoints are recognised by the dtype of <c>weight</c> (F8_E4M3 [out, in]), with <c>weight_scale</c> a
/// scalar (per tensor: repeated on every row, which is also what a fused projection's per-tensor scales
/// become) or per row ([out] / [out, 1]); an optional <c>input_scale</c> (static activation scale for fp8
/// GEMMs) is validated and reduced to its maximum, as TGI does, but CPU activations stay fp32.
/// DeepSeek-style block scales (<c>weight_scale_inv</c>) are refused with an explanation.
/// </summary>
public sealed class Fp8Loader(CheckpointTensors tensors) : IWeightsLoader
{
    public const string Name = "fp8";

    private readonly Dictionary<string, float> _inputScales = [];

    public string Scheme => Name;

    /// <summary>The input_scale (max) of each pre-quantized layer that has one, by prefix.</summary>
    public IReadOnlyDictionary<string, float> InputScales => _inputScales;

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias) =>
        LoaderErrors.ForLayer(Name, prefix, () =>
        {
            TensorView weight = tensors.Require(prefix + ".weight", outFeatures, inFeatures);
            Fp8RowWeights packed;
            if (weight.DType == SafetensorsDType.F8_E4M3)
            {
                if (!tensors.Contains(prefix + ".weight_scale") && tensors.Contains(prefix + ".weight_scale_inv"))
                {
                    throw new InvalidDataException(
                        $"tensor '{prefix}.weight_scale_inv' holds block-wise scales (weight_block_size); only per-tensor or per-row fp8 scales are supported. Load the bf16 checkpoint with --quantize fp8 instead.");
                }

                float[] scales = LoaderErrors.RowScales(tensors.Checkpoint.Get(prefix + ".weight_scale"), outFeatures);
                packed = new Fp8RowWeights(weight.Bytes, scales, outFeatures, inFeatures);
                if (tensors.Contains(prefix + ".input_scale"))
                {
                    TensorView input = tensors.Checkpoint.Get(prefix + ".input_scale");
                    if (!LoaderErrors.IsFloat(input.DType))
                    {
                        throw LoaderErrors.Unexpected(input, "an F32, F16 or BF16 input scale");
                    }

                    _inputScales[prefix] = input.ToFloat32().Max();
                }
            }
            else
            {
                packed = Fp8RowWeights.Quantize(LoaderErrors.FloatWeight(weight, Name), outFeatures, inFeatures);
            }

            float[]? bias = hasBias ? tensors.Vector(prefix + ".bias", outFeatures) : null;
            unsafe
            {
                return new QuantizedLinear(Name, inFeatures, outFeatures, packed.Bytes,
                    (x, y, rows) => Fp8MatMul.Multiply(packed, x, y, rows), bias);
            }
        });
}
