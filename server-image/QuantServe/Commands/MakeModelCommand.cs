using QuantServe.Engine.Models;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;

namespace QuantServe.Cli.Commands;

/// <summary>`quantserve make-model`: writes a deterministic random-weights checkpoint for tests and benchmarks.</summary>
public sealed class MakeModelCommand : ICommand
{
    public string Name => "make-model";
    public string Summary => "write a random-weights model: --output DIR [--preset tiny|small|llama-3.2-1b] [--architecture llama|mistral|qwen2] [--hidden-size] [--intermediate-size] [--layers] [--heads] [--kv-heads] [--head-dim] [--vocab-size] [--tie-word-embeddings] [--rope-scaling linear|dynamic|llama3 --rope-factor F] [--sliding-window N] [--dtype float32|float16|bfloat16] [--seed N]";

    public int Run(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string> { "tie-word-embeddings" });
        var output = options.RequiredString("output");
        var presetName = options.String("preset") ?? "tiny";
        if (!ModelSpec.Presets.TryGetValue(presetName, out var spec))
            throw new UsageException($"--preset '{presetName}' is unknown; presets: {string.Join(", ", ModelSpec.Presets.Keys)}");
        if (options.String("architecture") is { } architecture)
        {
            spec = spec with
            {
                Architecture = architecture.ToLowerInvariant() switch
                {
                    "llama" => ModelArchitecture.Llama,
                    "mistral" => ModelArchitecture.Mistral,
                    "qwen2" => ModelArchitecture.Qwen2,
                    _ => throw new UsageException($"--architecture '{architecture}' is unknown; use llama, mistral or qwen2"),
                },
            };
        }
        spec = spec with
        {
            HiddenSize = options.Int("hidden-size") ?? spec.HiddenSize,
            IntermediateSize = options.Int("intermediate-size") ?? spec.IntermediateSize,
            Layers = options.Int("layers") ?? spec.Layers,
            Heads = options.Int("heads") ?? spec.Heads,
            KvHeads = options.Int("kv-heads") ?? spec.KvHeads,
            HeadDim = options.Int("head-dim") ?? spec.HeadDim,
            VocabSize = options.Int("vocab-size") ?? spec.VocabSize,
            TieWordEmbeddings = options.Flag("tie-word-embeddings") || spec.TieWordEmbeddings,
            SlidingWindow = options.Int("sliding-window") ?? spec.SlidingWindow,
            Seed = options.Int("seed") ?? spec.Seed,
            DType = options.String("dtype") is { } d ? ParseDType(d) : spec.DType,
        };
        if (options.String("rope-scaling") is { } scaling)
        {
            var type = scaling switch
            {
                "linear" => RopeScalingType.Linear,
                "dynamic" => RopeScalingType.Dynamic,
                "llama3" => RopeScalingType.Llama3,
                _ => throw new UsageException($"--rope-scaling '{scaling}' is unknown; use linear, dynamic or llama3"),
            };
            spec = spec with { RopeScaling = new RopeScaling(type, options.Float("rope-factor") ?? 2.0, OriginalMaxPositionEmbeddings: spec.MaxPositionEmbeddings / 4) };
        }
        options.EnsureAllRead();
        if (spec.HiddenSize <= 0 || spec.IntermediateSize <= 0 || spec.Layers <= 0 || spec.Heads <= 0 || spec.KvHeads <= 0 || spec.Heads % spec.KvHeads != 0)
            throw new UsageException("sizes must be positive and --heads a multiple of --kv-heads");
        if (spec.HeadDim is null && spec.HiddenSize % spec.Heads != 0)
            throw new UsageException($"--hidden-size {spec.HiddenSize} is not divisible by --heads {spec.Heads}; give --head-dim");

        ModelMaker.Write(output, spec);
        Console.Out.WriteLine($"wrote {spec.Architecture} model ({spec.Layers} layers, hidden {spec.HiddenSize}, {WeightDTypes.Name(spec.DType)}) to {output}");
        return 0;
    }

    private static WeightDType ParseDType(string name)
    {
        try
        {
            return WeightDTypes.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--dtype: " + e.Message);
        }
    }
}
