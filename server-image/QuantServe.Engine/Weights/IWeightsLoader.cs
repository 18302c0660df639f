namespace QuantServe.Engine.Weights;

/// <summary>
/// Turns the tensors under a projection's name prefix (e.g. <c>model.layers.0.self_attn.q_proj</c>) into
/// an <see cref="ILinear"/>. One implementation per quantization scheme; model files only call this.
/// </summary>
public interface IWeightsLoader
{
    /// <summary>Short name of the scheme, as --quantize spells it ("none" for dense weights).</summary>
    string Scheme { get; }

    ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias);
}
