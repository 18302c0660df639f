namespace QuantServe.Engine.Tokenization;

/// <summary>Normalizer "Prepend" (SentencePiece's "▁" before non-empty text).</summary>
internal sealed class PrependNormalizer(string prefix) : ITextNormalizer
{
    public NormalizedText Normalize(NormalizedText text) => text.Prepend(prefix);
}
