using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Sampling;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tokenization;
using QuantServe.Engine.Tools;

namespace QuantServe.Engine.Tests.Generation;

public sealed class BatchGeneratorTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly LlamaModel _model;
    private readonly Tokenizer _tokenizer;

    public BatchGeneratorTests()
    {
        ModelMaker.Write(_dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Seed = 3 });
        _model = LlamaModel.Load(_dir.Path);
        _tokenizer = Tokenizer.Load(_dir.Path);
    }

    public void Dispose()
    {
        _model.Dispose();
        _dir.Dispose();
    }

    private GenerationRequest Request(string prompt, int maxNewTokens = 12, SamplingParameters? sampling = null) => new()
    {
        PromptTokens = _tokenizer.Encode(prompt),
        MaxNewTokens = maxNewTokens,
        Sampling = sampling ?? new SamplingParameters(),
        IgnoreEos = true,
    };

    [Fact]
    public void GreedyRequestsInOneBatch_GiveEachTheSameTokensAsAlone()
    {
        string[] prompts = ["The quick brown fox", "a", "Hello, world! 123", "tokens of very different lengths share the cache"];
        var generator = new BatchGenerator(_model, _tokenizer);
        var alone = prompts.Select(p => generator.Generate([Request(p)])[0]).ToArray();
        var together = generator.Generate(prompts.Select(p => Request(p)).ToArray());
        for (int i = 0; i < prompts.Length; i++)
        {
            together[i].Tokens.Select(t => t.Id).Should().Equal(alone[i].Tokens.Select(t => t.Id));
            together[i].GeneratedText.Should().Be(alone[i].GeneratedText);
        }
    }

    [Fact]
    public void GreedyDecoding_FollowsTheArgmaxOfFullRecomputation()
    {
        var result = new BatchGenerator(_model, _tokenizer).Generate([Request("Once upon", maxNewTokens: 6)])[0];
        var ids = _tokenizer.Encode("Once upon").ToList();
        foreach (var token in result.Tokens)
        {
            using var cache = _model.CreateKvCache(64);
            var logits = _model.Forward([new SequenceChunk(new KvCache.KvSequence(), ids.ToArray())], cache);
            token.Id.Should().Be(Kernels.Cpu.VectorOps.ArgMax(logits));
            ids.Add(token.Id);
        }
    }

    [Fact]
    public void MaxNewTokens_EndsWithFinishReasonLength()
    {
        var result = new BatchGenerator(_model, _tokenizer).Generate([Request("abc", maxNewTokens: 5)])[0];
        result.Tokens.Should().HaveCount(5);
        result.FinishReason.Should().Be(FinishReason.Length);
        result.GeneratedText.Should().Be(_tokenizer.Decode(result.Tokens.Select(t => t.Id).ToArray()));
    }

    [Fact]
    public void TheSameSeed_GivesTheSameSample_AndAnotherSeedDiffers()
    {
        var generator = new BatchGenerator(_model, _tokenizer);
        SamplingParameters Sampling(ulong seed) => new() { DoSample = true, Temperature = 1.5f, Seed = seed };
        var a = generator.Generate([Request("xyz", 16, Sampling(7))])[0];
        var b = generator.Generate([Request("xyz", 16, Sampling(7))])[0];
        var c = generator.Generate([Request("xyz", 16, Sampling(8))])[0];
        b.Tokens.Select(t => t.Id).Should().Equal(a.Tokens.Select(t => t.Id));
        c.Tokens.Select(t => t.Id).Should().NotEqual(a.Tokens.Select(t => t.Id));
        a.Seed.Should().Be(7);
    }

    [Fact]
    public void InvalidParameters_AreRejectedBeforeAnyWork()
    {
        var generator = new BatchGenerator(_model, _tokenizer);
        var act = () => generator.Generate([Request("abc", sampling: new SamplingParameters { Temperature = 0 })]);
        act.Should().Throw<ArgumentException>().WithMessage("*temperature*");
        var empty = () => generator.Generate([new GenerationRequest { PromptTokens = [] }]);
        empty.Should().Throw<ArgumentException>().WithMessage("*at least one token*");
    }
}
