namespace QuantServe.Engine.Tokenization;

/// <summary>Normalizer "Sequence": applies its normalizers in order.</summary>
internal sealed class NormalizerSequence(IReadOnlyList<ITextNormalizer> normalizers) : ITextNormalizer
{
    public NormalizedText Normalize(NormalizedText text)
    {
        foreach (var normalizer in normalizers)
        {
            text = normalizer.Normalize(text);
        }
        return text;
    }
}
