using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Models;

public sealed class LlamaModelTests
{
    private static readonly int[] Prompt = [5, 77, 3, 140, 200, 9, 64, 33, 255, 1, 18, 99];

    public static TheoryData<string, ModelSpec> Variants => new()
    {
        { "llama untied", new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Heads = 4, KvHeads = 2 } },
        { "llama tied", new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Heads = 4, KvHeads = 4, TieWordEmbeddings = true } },
        { "llama linear rope", new ModelSpec { HiddenSize = 64, IntermediateSize = 96, RopeScaling = new RopeScaling(RopeScalingType.Linear, 4.0) } },
        { "llama dynamic rope past max positions", new ModelSpec { HiddenSize = 64, IntermediateSize = 96, MaxPositionEmbeddings = 8, RopeScaling = new RopeScaling(RopeScalingType.Dynamic, 2.0) } },
        { "llama3 rope", new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Heads = 2, KvHeads = 1, RopeTheta = 500000, MaxPositionEmbeddings = 64, RopeScaling = new RopeScaling(RopeScalingType.Llama3, 8.0, 1.0, 4.0, 16) } },
        { "mistral sliding window", new ModelSpec { Architecture = ModelArchitecture.Mistral, HiddenSize = 64, IntermediateSize = 96, SlidingWindow = 4 } },
        { "qwen2 biases", new ModelSpec { Architecture = ModelArchitecture.Qwen2, HiddenSize = 64, IntermediateSize = 96, Heads = 8, KvHeads = 2, TieWordEmbeddings = true } },
        { "head_dim unlike hidden/heads", new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Heads = 4, KvHeads = 2, HeadDim = 24 } },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Logits_MatchFloat64Reference(string name, ModelSpec spec)
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, spec);
        using var model = LlamaModel.Load(dir.Path);
        using var cache = model.CreateKvCache(64);
        var logits = model.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cache).ToArray();

        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        var reference = new ReferenceLlama(dir.Path, checkpoint).Logits(Prompt);
        RelativeError(logits, reference).Should().BeLessThan(1e-4, name);
    }

    [Theory]
    [InlineData(WeightDType.F16)]
    [InlineData(WeightDType.BF16)]
    public void HalfPrecisionCheckpoints_MatchReferenceOnTheStoredWeights(WeightDType dtype)
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, DType = dtype });
        using var model = LlamaModel.Load(dir.Path);
        using var cache = model.CreateKvCache(64);
        var logits = model.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cache).ToArray();
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        RelativeError(logits, new ReferenceLlama(dir.Path, checkpoint).Logits(Prompt)).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void DtypeOverride_ConvertsWeightsAtLoad()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        using var f32 = LlamaModel.Load(dir.Path);
        using var bf16 = LlamaModel.Load(dir.Path, WeightDType.BF16);
        bf16.WeightBytesPerToken.Should().Be(f32.WeightBytesPerToken / 2);
        using var cacheA = f32.CreateKvCache(64);
        using var cacheB = bf16.CreateKvCache(64);
        var a = f32.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cacheA).ToArray();
        var b = bf16.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cacheB).ToArray();
        // bf16 keeps 8 mantissa bits: the logits move, but only by the rounding of the weights.
        RelativeError(b, [a.Select(v => (double)v).ToArray()]).Should().BeInRange(1e-6, 5e-2);
    }

    [Fact]
    public void DecodingWithTheCache_EqualsFullRecomputation()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Architecture = ModelArchitecture.Mistral, SlidingWindow = 5 });
        using var model = LlamaModel.Load(dir.Path);
        int vocab = model.Config.VocabSize;
        using var cache = model.CreateKvCache(64, blockSize: 4);
        var full = model.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cache).ToArray();

        var sequence = new KvSequence();
        model.Forward([new SequenceChunk(sequence, Prompt.AsMemory(0, 3))], cache);
        for (int t = 3; t < Prompt.Length; t++)
        {
            var step = model.Forward([new SequenceChunk(sequence, Prompt.AsMemory(t, 1))], cache).ToArray();
            MaxRelative(step, full.AsSpan(t * vocab, vocab)).Should().BeLessThan(1e-5, $"position {t}");
        }
        sequence.Length.Should().Be(Prompt.Length);
    }

    [Fact]
    public void ABatchOfSequences_EqualsEachAlone()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Architecture = ModelArchitecture.Qwen2 });
        using var model = LlamaModel.Load(dir.Path);
        int vocab = model.Config.VocabSize;
        int[][] prompts = [Prompt, Prompt[3..8], [42], Prompt[..11]];

        var alone = prompts.Select(p =>
        {
            using var cache = model.CreateKvCache(64, blockSize: 4);
            var s = new KvSequence();
            var first = model.Forward([new SequenceChunk(s, p)], cache).ToArray();
            var second = model.Forward([new SequenceChunk(s, new[] { 7 })], cache).ToArray();
            return (first, second);
        }).ToArray();

        using var shared = model.CreateKvCache(256, blockSize: 4);
        var sequences = prompts.Select(_ => new KvSequence()).ToArray();
        var batched = model.Forward(prompts.Select((p, i) => new SequenceChunk(sequences[i], p)).ToArray(), shared).ToArray();
        var step = model.Forward(sequences.Select(s => new SequenceChunk(s, new[] { 7 })).ToArray(), shared).ToArray();
        for (int i = 0; i < prompts.Length; i++)
        {
            MaxRelative(batched.AsSpan(i * vocab, vocab).ToArray(), alone[i].first).Should().BeLessThan(1e-5);
            MaxRelative(step.AsSpan(i * vocab, vocab).ToArray(), alone[i].second).Should().BeLessThan(1e-5);
        }
    }

    [Fact]
    public void ADecodeStep_AllocatesNothingOnTheCallingThread_OnceWarm()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        using var model = LlamaModel.Load(dir.Path);
        using var cache = model.CreateKvCache(64);
        var sequence = new KvSequence();
        var token = new[] { 3 };
        var chunk = new SequenceChunk[1];
        for (int i = 0; i < 4; i++)
        {
            chunk[0] = new SequenceChunk(sequence, token);
            model.Forward(chunk, cache);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 8; i++)
        {
            chunk[0] = new SequenceChunk(sequence, token);
            model.Forward(chunk, cache);
        }
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void ReleasingASequence_ReturnsItsBlocks()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        using var model = LlamaModel.Load(dir.Path);
        using var cache = model.CreateKvCache(16, blockSize: 4);
        var s = new KvSequence();
        model.Forward([new SequenceChunk(s, Prompt)], cache);
        cache.FreeBlocks.Should().Be(1);
        var act = () => { model.Forward(new[] { new SequenceChunk(new KvSequence(), Prompt) }, cache); };
        act.Should().Throw<InvalidOperationException>().WithMessage("*KV cache*");
        cache.Release(s);
        cache.FreeBlocks.Should().Be(4);
    }

    [Fact]
    public void ATokenOutsideTheVocabulary_IsRejected()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        using var model = LlamaModel.Load(dir.Path);
        using var cache = model.CreateKvCache(16);
        var act = () => { model.Forward(new[] { new SequenceChunk(new KvSequence(), new[] { model.Config.VocabSize }) }, cache); };
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*outside the model's vocabulary*");
    }

    [Fact]
    public void AMissingTensor_IsNamedInTheError()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        var configPath = Path.Combine(dir.Path, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        var act = () => LlamaModel.Load(dir.Path);
        act.Should().Throw<Exception>().WithMessage("*model.layers.2.*");
    }

    // max |a - b| / max |b| over the whole tensor.
    private static double RelativeError(float[] actual, double[][] expected)
    {
        var flat = expected.SelectMany(r => r).ToArray();
        actual.Length.Should().Be(flat.Length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < flat.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - flat[i]));
            maxRef = Math.Max(maxRef, Math.Abs(flat[i]));
        }
        return maxDiff / maxRef;
    }

    private static double MaxRelative(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        return maxDiff / maxRef;
    }
}
