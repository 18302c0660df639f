namespace QuantServe.Engine.Tokenization;

/// <summary>
/// GPT-2's reversible byte-to-character map: printable Latin-1 bytes map to themselves, the other
/// 68 bytes to U+0100 onwards, so every byte sequence becomes a string of visible characters.
/// </summary>
public static class ByteLevelAlphabet
{
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Indexed by character (all are below U+0144); -1 where the character is not in the alphabet.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    public static bool TryGetByte(char c, out byte value)
    {
        if (c < CharToByte.Length && CharToByte[c] >= 0)
        {
            value = (byte)CharToByte[c];
            return true;
        }
        value = 0;
        return false;
    }

    private static char[] BuildByteToChar()
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

    private static short[] BuildCharToByte()
    {
        var map = new short[0x144];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (short)b;
        }
        return map;
    }
}
