namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// When to stop one sequence, as TGI's StoppingCriteria (server/.../utils/tokens.py) decides it,
/// checked in this order after each generated token:
/// <list type="number">
/// <item>the token count reached max_new_tokens: <see cref="FinishReason.Length"/> (this wins even
/// when that last token is an EOS token);</item>
/// <item>the token is an EOS token and EOS is not ignored: <see cref="FinishReason.EosToken"/>;</item>
/// <item>the generated text so far ends with a stop sequence: <see cref="FinishReason.StopSequence"/>.
/// TGI matches <c>re.escape(stop) + "$"</c>, so the stop sequence must end the text, possibly
/// spanning several tokens, and Python's <c>$</c> also matches just before one final "\n".
/// A stop sequence in the middle of a token's text (followed by more text) does not stop.</item>
/// </list>
/// TGI keeps the stop sequence in generated_text (it decodes every generated token), so callers
/// should not cut it off. Only a bounded tail of the text is kept: the longest stop sequence plus
/// one character is all that an ends-with test can need (TGI keeps 200 to 300 characters).
/// </summary>
public sealed class StoppingCriteria
{
    private readonly int _maxNewTokens;
    private readonly HashSet<int> _eosTokenIds;
    private readonly string[] _stopSequences;
    private readonly bool _ignoreEos;
    private readonly int _keep;
    private readonly char[] _tail;
    private int _tailLength;

    public StoppingCriteria(
        int maxNewTokens,
        IReadOnlyCollection<int> eosTokenIds,
        IReadOnlyList<string> stopSequences,
        bool ignoreEos = false)
    {
        if (maxNewTokens <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNewTokens), maxNewTokens, "`max_new_tokens` must be strictly positive");
        }

        ArgumentNullException.ThrowIfNull(eosTokenIds);
        ArgumentNullException.ThrowIfNull(stopSequences);

        _maxNewTokens = maxNewTokens;
        _eosTokenIds = [.. eosTokenIds];
        _stopSequences = new string[stopSequences.Count];
        var longest = 0;
        for (var i = 0; i < stopSequences.Count; i++)
        {
            _stopSequences[i] = stopSequences[i]
                ?? throw new ArgumentException($"Stop sequence {i} is null.", nameof(stopSequences));
            longest = Math.Max(longest, _stopSequences[i].Length);
        }

        _ignoreEos = ignoreEos;
        _keep = longest + 1;
        _tail = _stopSequences.Length == 0 ? [] : new char[2 * _keep];
    }

    /// <summary>How many tokens <see cref="Check"/> has seen.</summary>
    public int GeneratedTokens { get; private set; }

    /// <summary>
    /// Call once per generated token with the text that token added to the output (may be empty
    /// while a multi-byte character is incomplete). Returns why to stop, or null to go on.
    /// </summary>
    public FinishReason? Check(int tokenId, string newText)
    {
        ArgumentNullException.ThrowIfNull(newText);

        GeneratedTokens++;
        if (GeneratedTokens >= _maxNewTokens)
        {
            return FinishReason.Length;
        }

        if (!_ignoreEos && _eosTokenIds.Contains(tokenId))
        {
            return FinishReason.EosToken;
        }

        if (_stopSequences.Length == 0)
        {
            return null;
        }

        Append(newText);
        ReadOnlySpan<char> text = _tail.AsSpan(0, _tailLength);
        var endsWithNewline = text.Length > 0 && text[^1] == '\n';
        foreach (var stop in _stopSequences)
        {
            if (text.EndsWith(stop, StringComparison.Ordinal)
                || (endsWithNewline && text[..^1].EndsWith(stop, StringComparison.Ordinal)))
            {
                return FinishReason.StopSequence;
            }
        }

        return null;
    }

    /// <summary>Appends to the tail, keeping at least its last <see cref="_keep"/> characters.</summary>
    private void Append(string newText)
    {
        if (newText.Length >= _keep)
        {
            newText.AsSpan(newText.Length - _keep).CopyTo(_tail);
            _tailLength = _keep;
            return;
        }

        if (_tailLength + newText.Length > _tail.Length)
        {
            var kept = Math.Min(_tailLength, _keep - newText.Length);
            _tail.AsSpan(_tailLength - kept, kept).CopyTo(_tail);
            _tailLength = kept;
        }

        newText.AsSpan().CopyTo(_tail.AsSpan(_tailLength));
        _tailLength += newText.Length;
    }
}
