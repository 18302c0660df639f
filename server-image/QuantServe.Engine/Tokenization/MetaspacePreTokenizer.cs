namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Pre-tokenizer "Metaspace" (SentencePiece files saved by newer transformers, legacy=false): spaces
/// become the replacement character, a replacement is prepended (always, or only to the piece that
/// starts the input), and with split each replacement begins a new word.
/// </summary>
internal sealed class MetaspacePreTokenizer(char replacement, MetaspacePrependScheme scheme, bool split) : IPreTokenizer
{
    private readonly string replacementText = replacement.ToString();
    private readonly TextPattern space = TextPattern.Literal(" ");
    private readonly TextPattern replacementPattern = TextPattern.Literal(replacement.ToString());

    public List<NormalizedText> PreTokenize(List<NormalizedText> pieces)
    {
        var result = new List<NormalizedText>(pieces.Count * 4);
        foreach (var original in pieces)
        {
            var piece = original.Replace(space, replacementText);
            bool prepend = scheme switch
            {
                MetaspacePrependScheme.Always => true,
                MetaspacePrependScheme.First => piece.Length > 0 && piece.OriginalRange(0, 1).Start == 0,
                _ => false,
            };
            if (prepend && !piece.Text.StartsWith(replacement))
            {
                piece = piece.Prepend(replacementText);
            }
            if (split)
            {
                SplitPreTokenizer.Split(piece, replacementPattern, SplitDelimiterBehavior.MergedWithNext, false, result);
            }
            else if (piece.Length > 0)
            {
                result.Add(piece);
            }
        }
        return result;
    }
}
