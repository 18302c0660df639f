namespace QuantServe.Engine.Tokenization;

/// <summary>A tokenizer.json "decoder": turns token strings back into text pieces (joined at the end).</summary>
internal interface ITokenDecoder
{
    List<string> DecodeChain(List<string> tokens);
}
