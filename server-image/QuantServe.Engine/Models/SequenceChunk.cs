using QuantServe.Engine.KvCache;

namespace QuantServe.Engine.Models;

/// <summary>
/// New tokens of one sequence for one forward step: a prompt (or a chunk of it) or the last sampled
/// token. They take positions Sequence.Length onwards. <paramref name="AllLogits"/> asks for the logits
/// of every token (perplexity, prompt logprobs) instead of only the last one.
/// </summary>
public readonly record struct SequenceChunk(KvSequence Sequence, ReadOnlyMemory<int> Tokens, bool AllLogits = false);
