namespace QuantServe.Engine.Tokenization;

/// <summary>A tokenizer.json "normalizer": rewrites text before pre-tokenization, keeping alignments.</summary>
internal interface ITextNormalizer
{
    NormalizedText Normalize(NormalizedText text);
}
