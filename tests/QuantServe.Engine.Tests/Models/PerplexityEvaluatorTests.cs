using QuantServe.Engine.Evaluation;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tools;

namespace QuantServe.Engine.Tests.Models;

public sealed class PerplexityEvaluatorTests
{
    [Fact]
    public void Perplexity_IsExpOfTheMeanNllOverNonOverlappingWindows()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        using var model = LlamaModel.Load(dir.Path);
        int vocab = model.Config.VocabSize;
        var tokens = Enumerable.Range(0, 300).Select(i => (i * 37 + 11) % 250).ToArray();
        const int seqlen = 140; // two windows of 140 (and more than one 128-token chunk each); 20 tokens dropped

        var result = new PerplexityEvaluator(model).Evaluate(tokens, seqlen);

        // Independently: one full forward per window, NLL from float64 log-softmax.
        double nll = 0;
        for (int w = 0; w < 2; w++)
        {
            using var cache = model.CreateKvCache(seqlen);
            var window = tokens.AsSpan(w * seqlen, seqlen).ToArray();
            var logits = model.Forward([new SequenceChunk(new KvSequence(), window, AllLogits: true)], cache).ToArray();
            for (int i = 0; i + 1 < seqlen; i++)
            {
                var row = logits.AsSpan(i * vocab, vocab).ToArray();
                double max = row.Max();
                double logSum = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
                nll += logSum - row[window[i + 1]];
            }
        }
        result.Windows.Should().Be(2);
        result.TokensScored.Should().Be(2 * (seqlen - 1));
        result.NllMean.Should().BeApproximately(nll / (2 * (seqlen - 1)), 1e-4);
        result.Perplexity.Should().BeApproximately(Math.Exp(result.NllMean), 1e-9);
    }

    [Fact]
    public void TooFewTokensForOneWindow_IsAnError()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96 });
        using var model = LlamaModel.Load(dir.Path);
        var act = () => new PerplexityEvaluator(model).Evaluate([1, 2, 3], 8);
        act.Should().Throw<ArgumentException>().WithMessage("*3 tokens, fewer than one window of 8*");
    }
}
