namespace QuantServe.Engine.Tokenization;

/// <summary>Decoder "Fuse": joins all tokens into one string.</summary>
internal sealed class FuseDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}
