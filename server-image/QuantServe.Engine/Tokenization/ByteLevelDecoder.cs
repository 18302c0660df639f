using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Decoder "ByteLevel": maps byte-level characters back to bytes (a token with a character outside
/// the alphabet, such as an added token with a space, contributes its own UTF-8 bytes) and decodes
/// all bytes at once, invalid sequences becoming U+FFFD.
/// </summary>
internal sealed class ByteLevelDecoder : ITokenDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>(tokens.Count * 4);
        foreach (var token in tokens)
        {
            bool mapped = true;
            foreach (char c in token)
            {
                if (!ByteLevelAlphabet.TryGetByte(c, out _))
                {
                    mapped = false;
                    break;
                }
            }
            if (mapped)
            {
                foreach (char c in token)
                {
                    ByteLevelAlphabet.TryGetByte(c, out byte b);
                    bytes.Add(b);
                }
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
        }
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
    }
}
