using QuantServe.Engine.Generation.Sampling;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Generation;

/// <summary>
/// One request in flight: its cache blocks, its token history (for penalties), sampler, stopping
/// criteria and incremental detokenizer. A scheduler feeds it one step at a time: prompt chunks
/// first (chunked prefill), then one token per step.
/// </summary>
public sealed class GenerationSequence
{
    private readonly int[] _tokens;
    private readonly Sampler _sampler;
    private readonly StoppingCriteria _stopping;
    private readonly IncrementalDecoder _decoder;
    private readonly Tokenizer _tokenizer;
    private readonly List<GeneratedToken> _generated = [];
    private readonly List<PromptToken>? _prompt;
    private readonly System.Text.StringBuilder _text = new();
    private int _count;     // tokens known: prompt + generated
    private int _processed; // tokens whose keys and values are in the cache
    private int _lastChunk;

    public GenerationSequence(GenerationRequest request, Tokenizer tokenizer, int vocabSize, IReadOnlyCollection<int> eosTokenIds)
    {
        if (request.PromptTokens.Count == 0)
            throw new ArgumentException("the prompt must contain at least one token", nameof(request));
        if (request.MaxNewTokens <= 0)
            throw new ArgumentException($"max_new_tokens must be positive, got {request.MaxNewTokens}", nameof(request));
        if (request.TopNTokens < 0)
            throw new ArgumentException($"top_n_tokens must not be negative, got {request.TopNTokens}", nameof(request));
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
        if (request.PromptLogprobs)
            _prompt = [new PromptToken(_tokens[0], tokenizer.Decode([_tokens[0]], skipSpecialTokens: false), null)];
    }

    public GenerationRequest Request { get; }
    public KvSequence Kv { get; } = new();
    public FinishReason? FinishReason { get; private set; }
    public bool Finished => FinishReason is not null;
    public IReadOnlyList<GeneratedToken> Generated => _generated;
    public int PromptLength => Request.PromptTokens.Count;

    /// <summary>Prompt tokens not yet run through the model.</summary>
    public int PromptRemaining => Math.Max(0, PromptLength - _processed);

    /// <summary>Tokens this sequence can ever hold in the cache: prompt plus every new token.</summary>
    public int MaxTotalTokens => _tokens.Length;

    /// <summary>Logit rows the last chunk produces (every prompt token when prompt logprobs are asked for).</summary>
    public int LogitRows { get; private set; }

    /// <summary>
    /// The tokens to run next: up to <paramref name="maxPromptTokens"/> of the prompt while prefilling,
    /// then the last sampled token.
    /// </summary>
    public SequenceChunk NextChunk(int maxPromptTokens = int.MaxValue)
    {
        if (Finished)
            throw new InvalidOperationException("the sequence has already finished");
        int remaining = PromptRemaining;
        if (remaining > 0)
        {
            if (maxPromptTokens <= 0)
                throw new ArgumentOutOfRangeException(nameof(maxPromptTokens), "a prefill chunk needs at least one token");
            _lastChunk = Math.Min(remaining, maxPromptTokens);
            LogitRows = _prompt is not null ? _lastChunk : 1;
            return new SequenceChunk(Kv, new ReadOnlyMemory<int>(_tokens, _processed, _lastChunk), AllLogits: _prompt is not null);
        }
        _lastChunk = 1;
        LogitRows = 1;
        return new SequenceChunk(Kv, new ReadOnlyMemory<int>(_tokens, _count - 1, 1));
    }

    /// <summary>
    /// Takes the logits of the chunk last returned by <see cref="NextChunk"/> (<see cref="LogitRows"/> rows).
    /// Returns the sampled token, or null while the prompt is still being prefilled.
    /// </summary>
    public GeneratedToken? Consume(Span<float> logits, int vocabSize)
    {
        bool prefilling = _processed < PromptLength;
        int first = _processed;
        _processed += _lastChunk;
        if (prefilling && _prompt is not null)
            RecordPromptLogprobs(logits, vocabSize, first);
        if (_processed < PromptLength)
            return null;
        return Accept(logits.Slice((LogitRows - 1) * vocabSize, vocabSize));
    }

    // Row i of a prompt chunk predicts prompt token first + i + 1.
    private void RecordPromptLogprobs(Span<float> logits, int vocabSize, int first)
    {
        for (int i = 0; i < _lastChunk && first + i + 1 < PromptLength; i++)
        {
            var row = logits.Slice(i * vocabSize, vocabSize);
            int id = _tokens[first + i + 1];
            float logprob = row[id] - Softmax.LogSumExp(row);
            _prompt!.Add(new PromptToken(id, _tokenizer.Decode([id], skipSpecialTokens: false), logprob));
        }
    }

    /// <summary>Samples from one logits row and records the token (the whole prompt must be in the cache).</summary>
    public GeneratedToken Accept(Span<float> logits)
    {
        if (Finished)
            throw new InvalidOperationException("the sequence has already finished");
        _processed = Math.Max(_processed, PromptLength);
        var sampled = _sampler.Next(logits, new ReadOnlySpan<int>(_tokens, 0, _count));
        _tokens[_count++] = sampled.Id;
        var text = _decoder.Push(sampled.Id);
        var token = new GeneratedToken(sampled.Id, text, sampled.Logprob, _tokenizer.IsSpecial(sampled.Id),
            Request.TopNTokens > 0 ? TopTokens(logits, Request.TopNTokens) : null);
        _generated.Add(token);
        _text.Append(text);
        FinishReason = _stopping.Check(sampled.Id, text);
        if (Finished)
            _text.Append(_decoder.Flush());
        return token;
    }

    // The n most likely tokens under the processed logits the sampler left behind.
    private TopToken[] TopTokens(Span<float> logits, int n)
    {
        float logSum = Softmax.LogSumExp(logits);
        n = Math.Min(n, logits.Length);
        var top = new TopToken[n];
        Span<int> ids = stackalloc int[n];
        int found = 0;
        for (int id = 0; id < logits.Length; id++)
        {
            float v = logits[id];
            if (float.IsNegativeInfinity(v) || (found == n && v <= logits[ids[n - 1]]))
                continue;
            int at = found < n ? found++ : n - 1;
            while (at > 0 && logits[ids[at - 1]] < v)
            {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = id;
        }
        for (int i = 0; i < found; i++)
            top[i] = new TopToken(ids[i], _tokenizer.Decode([ids[i]], skipSpecialTokens: false), logits[ids[i]] - logSum, _tokenizer.IsSpecial(ids[i]));
        return found == n ? top : top[..found];
    }

    public GenerationResult Result() => FinishReason is { } reason
        ? new GenerationResult(_text.ToString(), _generated, reason, _sampler.Seed, PromptLength, _prompt)
        : throw new InvalidOperationException("the sequence has not finished");
}
