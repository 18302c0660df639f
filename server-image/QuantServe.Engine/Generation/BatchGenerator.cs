using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Generation;

/// <summary>
/// Runs a set of requests to completion together: one forward step serves every unfinished sequence
/// (prefill for new ones, one token for the others), so a batch costs about one pass over the weights per
/// step rather than one per sequence.
/// </summary>
public sealed class BatchGenerator(LlamaModel model, Tokenizer tokenizer)
{
    private readonly IReadOnlyCollection<int> _eos = EosTokens(model.Config, tokenizer);

    /// <param name="onToken">Called for every sampled token with the index of its request.</param>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests, Action<int, GeneratedToken>? onToken = null)
    {
        var sequences = requests.Select(r => new GenerationSequence(r, tokenizer, model.Config.VocabSize, _eos)).ToArray();
        // Room for every sequence's whole budget, so the batch can never run out of cache.
        const int blockSize = 16;
        int capacity = sequences.Sum(s => PagedKvCache.BlocksFor(s.MaxTotalTokens, blockSize)) * blockSize;
        using var cache = model.CreateKvCache(capacity, blockSize);
        var active = new List<int>(Enumerable.Range(0, sequences.Length));
        var chunks = new SequenceChunk[sequences.Length];
        int vocab = model.Config.VocabSize;
        try
        {
            while (active.Count > 0)
            {
                for (int i = 0; i < active.Count; i++)
                    chunks[i] = sequences[active[i]].NextChunk();
                var logits = model.Forward(chunks.AsSpan(0, active.Count), cache);
                int row = 0;
                for (int i = 0; i < active.Count; i++)
                {
                    if (sequences[active[i]].Consume(logits.Slice(row * vocab, sequences[active[i]].LogitRows * vocab), vocab) is { } token)
                        onToken?.Invoke(active[i], token);
                    row += sequences[active[i]].LogitRows;
                }
                active.RemoveAll(i =>
                {
                    if (!sequences[i].Finished)
                        return false;
                    cache.Release(sequences[i].Kv);
                    return true;
                });
            }
        }
        finally
        {
            foreach (var s in sequences)
                cache.Release(s.Kv);
        }
        return sequences.Select(s => s.Result()).ToArray();
    }

    /// <summary>Eos ids from config.json and tokenizer_config.json together (either may list several).</summary>
    public static IReadOnlyCollection<int> EosTokens(ModelConfig config, Tokenizer tokenizer) =>
        config.EosTokenIds.Concat(tokenizer.EosTokenIds).ToHashSet();
}
