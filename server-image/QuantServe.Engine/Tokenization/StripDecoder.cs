namespace QuantServe.Engine.Tokenization;

/// <summary>Decoder "Strip": removes up to start (stop) copies of content from the start (end) of each token.</summary>
internal sealed class StripDecoder(string content, int start, int stop) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var token in tokens)
        {
            int from = 0;
            for (int i = 0; i < start && from + content.Length <= token.Length && string.CompareOrdinal(token, from, content, 0, content.Length) == 0; i++)
            {
                from += content.Length;
            }
            int to = token.Length;
            for (int i = 0; i < stop && to - content.Length >= from && string.CompareOrdinal(token, to - content.Length, content, 0, content.Length) == 0; i++)
            {
                to -= content.Length;
            }
            result.Add(token[from..to]);
        }
        return result;
    }
}
