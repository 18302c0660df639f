namespace QuantServe.Engine.Tokenization;

/// <summary>A tokenizer.json "post_processor": adds special tokens and adjusts offsets after the model.</summary>
internal interface IPostProcessor
{
    List<EncodedToken> Process(List<EncodedToken> tokens, bool addSpecialTokens);

    /// <summary>Ids this processor puts before the text when adding special tokens (the bos).</summary>
    IReadOnlyList<int> LeadingSpecialIds { get; }
}
