using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>Decoder "Replace": every match of the pattern in each token becomes content ("▁" to " ").</summary>
internal sealed class ReplaceDecoder(TextPattern pattern, string content) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var builder = new StringBuilder();
        foreach (var token in tokens)
        {
            if (pattern.LiteralText is { Length: > 0 } literal)
            {
                result.Add(token.Replace(literal, content, StringComparison.Ordinal));
                continue;
            }
            builder.Clear();
            foreach (var (start, end, isMatch) in pattern.FindMatches(token))
            {
                if (isMatch)
                {
                    builder.Append(content);
                }
                else
                {
                    builder.Append(token, start, end - start);
                }
            }
            result.Add(builder.ToString());
        }
        return result;
    }
}
