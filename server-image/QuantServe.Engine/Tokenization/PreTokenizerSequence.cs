namespace QuantServe.Engine.Tokenization;

/// <summary>Pre-tokenizer "Sequence": applies its pre-tokenizers in order.</summary>
internal sealed class PreTokenizerSequence(IReadOnlyList<IPreTokenizer> preTokenizers) : IPreTokenizer
{
    public List<NormalizedText> PreTokenize(List<NormalizedText> pieces)
    {
        foreach (var preTokenizer in preTokenizers)
        {
            pieces = preTokenizer.PreTokenize(pieces);
        }
        return pieces;
    }
}
