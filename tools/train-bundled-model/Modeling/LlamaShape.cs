namespace QuantServe.Tools.TrainBundledModel.Modeling;

/// <summary>The hyper-parameters of a LlamaForCausalLM, as config.json names them.</summary>
public sealed record LlamaShape(
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int Layers,
    int Heads,
    int KeyValueHeads,
    int HeadDim,
    int ContextLength,
    double RmsNormEps = 1e-5,
    double RopeTheta = 10000.0)
{
    /// <summary>Parameters with tied embeddings (the embedding table counted once).</summary>
    public long ParameterCount =>
        (long)VocabSize * HiddenSize
        + Layers * (2L * HiddenSize
            + (long)HiddenSize * Heads * HeadDim * 2
            + (long)HiddenSize * KeyValueHeads * HeadDim * 2
            + 3L * HiddenSize * IntermediateSize)
        + HiddenSize;
}
