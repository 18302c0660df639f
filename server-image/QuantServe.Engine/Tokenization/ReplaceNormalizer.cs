namespace QuantServe.Engine.Tokenization;

/// <summary>Normalizer "Replace": every match of the pattern becomes content.</summary>
internal sealed class ReplaceNormalizer(TextPattern pattern, string content) : ITextNormalizer
{
    public NormalizedText Normalize(NormalizedText text) => text.Replace(pattern, content);
}
