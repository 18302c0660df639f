using QuantServe.Engine.Models;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Evaluation;

/// <summary>
/// Perplexity over non-overlapping windows: the token stream is cut into windows of
/// <c>seqlen</c> tokens (a trailing partial window is dropped); each window scores its
/// <c>seqlen - 1</c> next-token predictions; perplexity = exp(mean NLL over all scored tokens).
/// </summary>
public sealed class PerplexityEvaluator(LlamaModel model)
{
    // Logits for a whole 2048-token window would be 2048 x vocab floats; a window runs in chunks instead,
    // the KV cache carrying the context between them.
    private const int ChunkTokens = 128;

    public PerplexityResult Evaluate(IReadOnlyList<int> tokens, int seqlen, int? limitWindows = null, Action<int, double>? onWindow = null)
    {
        if (seqlen < 2)
            throw new ArgumentException($"seqlen must be at least 2 tokens, got {seqlen}", nameof(seqlen));
        int windows = tokens.Count / seqlen;
        if (limitWindows is int limit)
            windows = Math.Min(windows, limit);
        if (windows == 0)
            throw new ArgumentException($"the dataset has {tokens.Count} tokens, fewer than one window of {seqlen}; use a smaller --seqlen or a longer text");

        int vocab = model.Config.VocabSize;
        var window = new int[seqlen];
        double nllSum = 0;
        long scored = 0;
        using var cache = model.CreateKvCache(seqlen);
        var chunk = new Models.SequenceChunk[1];
        for (int w = 0; w < windows; w++)
        {
            for (int i = 0; i < seqlen; i++)
                window[i] = tokens[w * seqlen + i];
            var sequence = new KvCache.KvSequence();
            double windowNll = 0;
            for (int start = 0; start < seqlen; start += ChunkTokens)
            {
                int length = Math.Min(ChunkTokens, seqlen - start);
                chunk[0] = new Models.SequenceChunk(sequence, new ReadOnlyMemory<int>(window, start, length), AllLogits: true);
                var logits = model.Forward(chunk, cache);
                for (int i = 0; i < length; i++)
                {
                    int next = start + i + 1;
                    if (next >= seqlen)
                        break;
                    var row = logits.Slice(i * vocab, vocab);
                    windowNll += Softmax.LogSumExp(row) - row[window[next]];
                }
            }
            cache.Release(sequence);
            nllSum += windowNll;
            scored += seqlen - 1;
            onWindow?.Invoke(w, windowNll / (seqlen - 1));
        }
        double mean = nllSum / scored;
        return new PerplexityResult(Math.Exp(mean), mean, scored, windows);
    }
}
