namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Pre-tokenizer "ByteLevel": optionally prefixes a space and splits with GPT-2's regex, then
/// rewrites every UTF-8 byte as its byte-level character.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    private static readonly Lazy<TextPattern> Gpt2Pattern = new(() =>
        TextPattern.FromRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"));

    public List<NormalizedText> PreTokenize(List<NormalizedText> pieces)
    {
        var split = new List<NormalizedText>(pieces.Count * 4);
        foreach (var original in pieces)
        {
            var piece = original;
            if (addPrefixSpace && !piece.Text.StartsWith(' '))
            {
                piece = piece.Prepend(" ");
            }
            if (useRegex)
            {
                SplitPreTokenizer.Split(piece, Gpt2Pattern.Value, SplitDelimiterBehavior.Isolated, false, split);
            }
            else if (piece.Length > 0)
            {
                split.Add(piece);
            }
        }
        for (int i = 0; i < split.Count; i++)
        {
            split[i] = split[i].ToByteLevel();
        }
        return split;
    }
}
