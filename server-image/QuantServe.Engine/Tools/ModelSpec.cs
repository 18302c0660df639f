using QuantServe.Engine.Models;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tools;

/// <summary>The shape of a random test model, and the presets tests and benchmarks use.</summary>
public sealed record ModelSpec
{
    public ModelArchitecture Architecture { get; init; } = ModelArchitecture.Llama;
    public int HiddenSize { get; init; } = 128;
    public int IntermediateSize { get; init; } = 384;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int? HeadDim { get; init; }

    /// <summary>Null: exactly the synthetic tokenizer's vocabulary.</summary>
    public int? VocabSize { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public int? SlidingWindow { get; init; }
    public WeightDType DType { get; init; } = WeightDType.F32;
    public int Seed { get; init; } = 1;

    public static IReadOnlyDictionary<string, ModelSpec> Presets { get; } = new Dictionary<string, ModelSpec>(StringComparer.Ordinal)
    {
        ["tiny"] = new(),
        ["small"] = new() { HiddenSize = 256, IntermediateSize = 768, Layers = 4, Heads = 8, KvHeads = 4 },
        // Llama-3.2-1B's shape (the benchmark model): 1.24 B parameters.
        ["llama-3.2-1b"] = new()
        {
            HiddenSize = 2048, IntermediateSize = 8192, Layers = 16, Heads = 32, KvHeads = 8, VocabSize = 128256,
            TieWordEmbeddings = true, RopeTheta = 500000.0, MaxPositionEmbeddings = 131072, DType = WeightDType.BF16,
            RopeScaling = new RopeScaling(RopeScalingType.Llama3, 32.0, 1.0, 4.0, 8192),
        },
    };
}
