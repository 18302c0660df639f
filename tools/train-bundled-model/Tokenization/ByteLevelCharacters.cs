namespace QuantServe.Tools.TrainBundledModel.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: each byte as a printable character. Printable Latin-1 bytes
/// ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the others get U+0100 onwards in byte order
/// (so a space is 'Ġ' and a newline 'Ċ').
/// </summary>
public static class ByteLevelCharacters
{
    public static readonly char[] ByteToChar = Build();

    private static char[] Build()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
