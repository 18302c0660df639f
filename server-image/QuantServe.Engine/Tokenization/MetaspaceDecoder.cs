namespace QuantServe.Engine.Tokenization;

/// <summary>Decoder "Metaspace": the replacement becomes a space, except in the first token when a prefix was prepended.</summary>
internal sealed class MetaspaceDecoder(char replacement, MetaspacePrependScheme scheme) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            result.Add(i == 0 && scheme != MetaspacePrependScheme.Never
                ? tokens[i].Replace(replacement.ToString(), "", StringComparison.Ordinal)
                : tokens[i].Replace(replacement, ' '));
        }
        return result;
    }
}
