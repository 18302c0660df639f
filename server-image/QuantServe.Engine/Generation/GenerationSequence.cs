using QuantServe.Engine.Generation.Sampling;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Generation;

/// <summary>
/// One request in flight: its cache blocks, its token history (for penalties), sampler, stopping
/// criteria and incremental detokenizer. A scheduler feeds it one step at a time.
/// </summary>
public sealed class GenerationSequence
{
    private readonly int[] _tokens;
    private readonly Sampler _sampler;
    private readonly StoppingCriteria _stopping;
    private readonly IncrementalDecoder _decoder;
    private readonly Tokenizer _tokenizer;
    private readonly List<GeneratedToken> _generated = [];
    private readonly System.Text.StringBuilder _text = new();
    private int _count;
    private bool _prefilled;

    public GenerationSequence(GenerationRequest request, Tokenizer tokenizer, int vocabSize, IReadOnlyCollection<int> eosTokenIds)
    {
        if (request.PromptTokens.Count == 0)
            throw new ArgumentException("the prompt must contain at least one token", nameof(request));
        if (request.MaxNewTokens <= 0)
            throw new ArgumentException($"max_new_tokens must be positive, got {request.MaxNewTokens}", nameof(request));
        request.Sampling.Validate();
        Request = request;
        _tokenizer = tokenizer;
        _tokens = new int[request.PromptTokens.Count + request.MaxNewTokens];
        for (int i = 0; i < request.PromptTokens.Count; i++)
            _tokens[i] = request.PromptTokens[i];
        _count = request.PromptTokens.Count;
        _sampler = new Sampler(request.Sampling, vocabSize);
        _stopping = new StoppingCriteria(request.MaxNewTokens, eosTokenIds, request.StopSequences, request.IgnoreEos);
        _decoder = tokenizer.CreateIncrementalDecoder();
    }

    public GenerationRequest Request { get; }
    public KvSequence Kv { get; } = new();
    public FinishReason? FinishReason { get; private set; }
    public bool Finished => FinishReason is not null;
    public IReadOnlyList<GeneratedToken> Generated => _generated;

    /// <summary>Tokens this sequence can ever hold in the cache: prompt plus every new token.</summary>
    public int MaxTotalTokens => _tokens.Length;

    /// <summary>The tokens to run next: the whole prompt first, then the last sampled token.</summary>
    public SequenceChunk NextChunk() => _prefilled
        ? new SequenceChunk(Kv, new ReadOnlyMemory<int>(_tokens, _count - 1, 1))
        : new SequenceChunk(Kv, new ReadOnlyMemory<int>(_tokens, 0, _count));

    /// <summary>Samples from this sequence's logits row and records the token; returns it.</summary>
    public GeneratedToken Accept(Span<float> logits)
    {
        if (Finished)
            throw new InvalidOperationException("the sequence has already finished");
        _prefilled = true;
        var sampled = _sampler.Next(logits, new ReadOnlySpan<int>(_tokens, 0, _count));
        _tokens[_count++] = sampled.Id;
        var text = _decoder.Push(sampled.Id);
        var token = new GeneratedToken(sampled.Id, text, sampled.Logprob, _tokenizer.IsSpecial(sampled.Id));
        _generated.Add(token);
        _text.Append(text);
        FinishReason = _stopping.Check(sampled.Id, text);
        if (Finished)
            _text.Append(_decoder.Flush());
        return token;
    }

    public GenerationResult Result() => FinishReason is { } reason
        ? new GenerationResult(_text.ToString(), _generated, reason, _sampler.Seed, Request.PromptTokens.Count)
        : throw new InvalidOperationException("the sequence has not finished");
}
