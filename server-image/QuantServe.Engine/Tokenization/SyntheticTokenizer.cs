namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Writes a small but complete byte-level BPE tokenizer (Llama 3's layout) for random test models:
/// ids 0..255 are the 256 byte symbols (id = byte value), then merged tokens of common English pairs,
/// then &lt;|begin_of_text|&gt; and &lt;|end_of_text|&gt;. Any text encodes, and decodes back unchanged.
/// </summary>
public static class SyntheticTokenizer
{
    public const string BeginOfText = ByteLevelTokenizerWriter.BeginOfText;
    public const string EndOfText = ByteLevelTokenizerWriter.EndOfText;

    /// <summary>Merges in rank order, written with "Ġ" for a leading space; each one's result is a token.</summary>
    private static readonly (string Left, string Right)[] Merges =
    [
        ("Ġ", "t"), ("h", "e"), ("i", "n"), ("r", "e"), ("o", "n"), ("Ġt", "he"), ("e", "r"), ("Ġ", "a"),
        ("a", "n"), ("Ġ", "s"), ("o", "u"), ("Ġ", "w"), ("i", "s"), ("e", "n"), ("i", "t"), ("Ġ", "o"),
        ("in", "g"), ("Ġ", "c"), ("a", "t"), ("e", "d"), ("Ġa", "n"), ("Ġan", "d"), ("o", "r"), ("Ġ", "b"),
        ("Ġ", "f"), ("Ġ", "h"), ("l", "l"), ("Ġo", "f"), ("Ġ", "i"), ("Ġt", "o"), ("Ġ", "m"), ("Ġ", "p"),
    ];

    /// <summary>Ids: 256 bytes, the merged tokens, then the two special tokens.</summary>
    public static int VocabSize => 256 + Merges.Length + 2;

    public static int BeginOfTextId => ByteLevelTokenizerWriter.BeginOfTextId(Merges.Length);

    public static int EndOfTextId => ByteLevelTokenizerWriter.EndOfTextId(Merges.Length);

    /// <summary>Writes tokenizer.json and tokenizer_config.json into the directory (created if needed).</summary>
    public static void WriteByteLevel(string directory) => ByteLevelTokenizerWriter.Write(directory, Merges, modelMaxLength: 2048);
}
