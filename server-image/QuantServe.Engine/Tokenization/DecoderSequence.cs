namespace QuantServe.Engine.Tokenization;

/// <summary>Decoder "Sequence": feeds each decoder's output to the next.</summary>
internal sealed class DecoderSequence(IReadOnlyList<ITokenDecoder> decoders) : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var decoder in decoders)
        {
            tokens = decoder.DecodeChain(tokens);
        }
        return tokens;
    }
}
