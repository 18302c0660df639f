namespace QuantServe.Engine.Weights;

/// <summary>Unquantized checkpoints: <c>{prefix}.weight</c> [out, in] (and <c>{prefix}.bias</c>) in fp32/fp16/bf16.</summary>
public sealed class DenseWeightsLoader(CheckpointTensors tensors, WeightDType? dtype) : IWeightsLoader
{
    public string Scheme => "none";

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias)
    {
        var weight = tensors.Matrix(prefix + ".weight", outFeatures, inFeatures, dtype);
        var bias = hasBias ? tensors.Vector(prefix + ".bias", outFeatures) : null;
        return new DenseLinear(weight, bias);
    }
}
