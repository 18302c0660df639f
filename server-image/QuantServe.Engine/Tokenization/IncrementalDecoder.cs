using System.Runtime.InteropServices;
using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Streams text while ids are generated, with TGI's prefix_offset/read_offset algorithm: decode a
/// window of recent ids, and emit the part after the previously emitted window only once it does not
/// end with U+FFFD (an incomplete UTF-8 character). Push+Flush outputs concatenate to Decode of all ids.
/// Not thread-safe: one per sequence.
/// </summary>
public sealed class IncrementalDecoder
{
    /// <summary>Ids before the window are dropped past this many, so memory stays bounded.</summary>
    private const int CompactAfter = 1024;

    private readonly Tokenizer tokenizer;
    private readonly bool skipSpecialTokens;
    private readonly List<int> ids = [];
    private readonly StringBuilder text = new();
    private int prefixOffset;
    private int readOffset;
    private string prefixText = "";

    internal IncrementalDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>All text emitted so far.</summary>
    public string Text => text.ToString();

    /// <summary>Adds an id; returns the newly completed text, possibly empty.</summary>
    public string Push(int id)
    {
        if (skipSpecialTokens && tokenizer.IsSkippedAsSpecial(id))
        {
            return "";
        }
        ids.Add(id);
        string newText = tokenizer.Decode(CollectionsMarshal.AsSpan(ids)[prefixOffset..], skipSpecialTokens: false);
        if (newText.Length <= prefixText.Length || newText.EndsWith('\uFFFD'))
        {
            return "";
        }
        string delta = newText[prefixText.Length..];
        Advance();
        text.Append(delta);
        return delta;
    }

    /// <summary>Emits whatever is still held back (an incomplete character decodes as U+FFFD).</summary>
    public string Flush()
    {
        if (readOffset >= ids.Count)
        {
            return "";
        }
        string newText = tokenizer.Decode(CollectionsMarshal.AsSpan(ids)[prefixOffset..], skipSpecialTokens: false);
        string delta = newText.Length > prefixText.Length ? newText[prefixText.Length..] : "";
        Advance();
        text.Append(delta);
        return delta;
    }

    private void Advance()
    {
        prefixOffset = readOffset;
        readOffset = ids.Count;
        prefixText = tokenizer.Decode(CollectionsMarshal.AsSpan(ids)[prefixOffset..readOffset], skipSpecialTokens: false);
        if (prefixOffset > CompactAfter)
        {
            ids.RemoveRange(0, prefixOffset);
            readOffset -= prefixOffset;
            prefixOffset = 0;
        }
    }
}
