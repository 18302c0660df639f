namespace QuantServe.Engine.Tokenization;

/// <summary>Normalizers "NFC" (compose) and "NFD".</summary>
internal sealed class UnicodeFormNormalizer(bool compose) : ITextNormalizer
{
    public NormalizedText Normalize(NormalizedText text) => text.NormalizeCanonical(compose);
}
