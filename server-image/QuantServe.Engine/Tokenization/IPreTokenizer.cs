namespace QuantServe.Engine.Tokenization;

/// <summary>A tokenizer.json "pre_tokenizer": splits text into the words the model sees.</summary>
internal interface IPreTokenizer
{
    /// <summary>Splits (and may rewrite) each piece; empty pieces are dropped, as HF drops them.</summary>
    List<NormalizedText> PreTokenize(List<NormalizedText> pieces);
}
