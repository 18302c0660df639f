namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Post-processor "ByteLevel": with trim_offsets, offsets leave out the leading and trailing spaces
/// of each token (HF's process_offsets), except the one space add_prefix_space put on the first token.
/// </summary>
internal sealed class ByteLevelPostProcessor(bool trimOffsets, bool addPrefixSpace) : IPostProcessor
{
    private static readonly char SpaceSymbol = ByteLevelAlphabet.ByteToChar[' '];

    public IReadOnlyList<int> LeadingSpecialIds => [];

    public List<EncodedToken> Process(List<EncodedToken> tokens, bool addSpecialTokens)
    {
        if (!trimOffsets)
        {
            return tokens;
        }
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            int leading = CountSpaces(token.Value, fromStart: true);
            int trailing = CountSpaces(token.Value, fromStart: false);
            if (leading == 0 && trailing == 0)
            {
                continue;
            }
            int start = token.Start, stop = token.Stop;
            if (leading > 0)
            {
                bool isFirst = i == 0 || start == 0;
                if (isFirst && addPrefixSpace && leading == 1)
                {
                    leading = 0;
                }
                start = Math.Min(start + leading, stop);
            }
            if (trailing > 0 && stop >= trailing)
            {
                stop = Math.Max(stop - trailing, start);
            }
            tokens[i] = token with { Start = start, Stop = stop };
        }
        return tokens;
    }

    /// <summary>Counts space-like characters (code points) at one end of the token.</summary>
    private static int CountSpaces(string token, bool fromStart)
    {
        int count = 0;
        if (fromStart)
        {
            for (int i = 0; i < token.Length && IsSpace(token[i]); i++)
            {
                count++;
            }
        }
        else
        {
            for (int i = token.Length - 1; i >= 0 && IsSpace(token[i]); i--)
            {
                count++;
            }
        }
        return count;
    }

    private static bool IsSpace(char c) => c == SpaceSymbol || char.IsWhiteSpace(c);
}
