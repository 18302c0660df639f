using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// A piece of text after normalization, with, for every UTF-16 unit, the UTF-8 byte range of the
/// original input it came from. This is Hugging Face's NormalizedString alignment model: offsets of
/// a token are the start of its first unit's range and the end of its last unit's range.
/// Immutable: every transformation returns a new instance.
/// </summary>
internal sealed class NormalizedText
{
    private readonly int[] starts;
    private readonly int[] ends;

    public NormalizedText(string text, int[] starts, int[] ends)
    {
        Text = text;
        this.starts = starts;
        this.ends = ends;
    }

    public string Text { get; }

    public int Length => Text.Length;

    /// <summary>Wraps the original input: each unit maps to the UTF-8 bytes of its code point.</summary>
    public static NormalizedText FromOriginal(string text)
    {
        var starts = new int[text.Length];
        var ends = new int[text.Length];
        int bytePos = 0;
        for (int i = 0; i < text.Length;)
        {
            int units = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            int bytes = units == 2 ? 4 : Utf8Length(text[i]);
            for (int k = 0; k < units; k++)
            {
                starts[i + k] = bytePos;
                ends[i + k] = bytePos + bytes;
            }
            bytePos += bytes;
            i += units;
        }
        return new NormalizedText(text, starts, ends);
    }

    public NormalizedText Slice(int start, int end) =>
        start == 0 && end == Length ? this : new NormalizedText(Text[start..end], starts[start..end], ends[start..end]);

    /// <summary>Original byte range of units [start, end); an empty range maps to itself as HF does.</summary>
    public (int Start, int Stop) OriginalRange(int start, int end) =>
        start >= end ? (start, end) : (starts[start], ends[end - 1]);

    /// <summary>Prepends text; the new units share the alignment of the first character (HF's prepend).</summary>
    public NormalizedText Prepend(string prefix)
    {
        if (Length == 0 || prefix.Length == 0)
        {
            return this;
        }
        var builder = new Builder(Length + prefix.Length);
        foreach (char c in prefix)
        {
            builder.Append(c, starts[0], ends[0]);
        }
        builder.AppendRange(this, 0, Length);
        return builder.Build();
    }

    /// <summary>Appends text; the new units share the alignment of the last character.</summary>
    public NormalizedText Append(string suffix)
    {
        if (Length == 0 || suffix.Length == 0)
        {
            return this;
        }
        var builder = new Builder(Length + suffix.Length);
        builder.AppendRange(this, 0, Length);
        foreach (char c in suffix)
        {
            builder.Append(c, starts[Length - 1], ends[Length - 1]);
        }
        return builder.Build();
    }

    /// <summary>
    /// Replaces every match of the pattern by content; the replacement units take the alignment of the
    /// last unit of the match, as HF's replace does (its inserted characters copy the previous alignment).
    /// </summary>
    public NormalizedText Replace(TextPattern pattern, string content)
    {
        var matches = pattern.FindMatches(Text);
        if (!matches.Exists(m => m.IsMatch))
        {
            return this;
        }
        var builder = new Builder(Length + 16);
        foreach (var (start, end, isMatch) in matches)
        {
            if (!isMatch)
            {
                builder.AppendRange(this, start, end);
                continue;
            }
            int alignStart = end > 0 ? starts[end - 1] : 0;
            int alignEnd = end > 0 ? ends[end - 1] : 0;
            foreach (char c in content)
            {
                builder.Append(c, alignStart, alignEnd);
            }
        }
        return builder.Build();
    }

    /// <summary>
    /// NFC (compose) or NFD. An output character standing for n input characters takes the alignment
    /// of the next input character and moves past n of them; one standing for none (the extra
    /// characters of a decomposition) shares the previous alignment. HF aligns the same way.
    /// </summary>
    public NormalizedText NormalizeCanonical(bool compose)
    {
        if (compose && CanonicalNormalizer.IsTriviallyComposed(Text))
        {
            return this;
        }
        var input = CanonicalNormalizer.EnumerateCodePoints(Text);
        var (output, owned) = CanonicalNormalizer.Normalize(input, compose);
        if (output.Count == input.Count && output.SequenceEqual(input))
        {
            return this;
        }

        // UTF-16 index of each input code point.
        var unitIndex = new int[input.Count];
        for (int i = 0, u = 0; i < input.Count; i++)
        {
            unitIndex[i] = u;
            u += input[i] > 0xFFFF ? 2 : 1;
        }
        var builder = new Builder(Length + 8);
        int cursor = 0;
        for (int j = 0; j < output.Count; j++)
        {
            int source = owned[j] > 0 ? Math.Min(cursor, input.Count - 1) : Math.Max(cursor - 1, 0);
            int unit = unitIndex[source];
            int alignStart = starts[unit];
            int alignEnd = ends[unit];
            cursor += owned[j];
            if (output[j] > 0xFFFF)
            {
                string pair = char.ConvertFromUtf32(output[j]);
                builder.Append(pair[0], alignStart, alignEnd);
                builder.Append(pair[1], alignStart, alignEnd);
            }
            else
            {
                builder.Append((char)output[j], alignStart, alignEnd);
            }
        }
        return builder.Build();
    }

    /// <summary>
    /// Replaces every UTF-8 byte by its GPT-2 byte-level character; all bytes of a character keep
    /// that character's alignment.
    /// </summary>
    public NormalizedText ToByteLevel()
    {
        var builder = new Builder(Length * 2);
        Span<byte> buffer = stackalloc byte[4];
        for (int i = 0; i < Length;)
        {
            int units = char.IsHighSurrogate(Text[i]) && i + 1 < Length && char.IsLowSurrogate(Text[i + 1]) ? 2 : 1;
            int count = Encoding.UTF8.GetBytes(Text.AsSpan(i, units), buffer);
            for (int k = 0; k < count; k++)
            {
                builder.Append(ByteLevelAlphabet.ByteToChar[buffer[k]], starts[i], ends[i + units - 1]);
            }
            i += units;
        }
        return builder.Build();
    }

    private static int Utf8Length(char c) => c < 0x80 ? 1 : c < 0x800 ? 2 : 3;

    /// <summary>Accumulates units and their alignments.</summary>
    internal sealed class Builder(int capacity)
    {
        private readonly StringBuilder text = new(capacity);
        private readonly List<int> starts = new(capacity);
        private readonly List<int> ends = new(capacity);

        public void Append(char c, int start, int end)
        {
            text.Append(c);
            starts.Add(start);
            ends.Add(end);
        }

        public void AppendRange(NormalizedText source, int start, int end)
        {
            text.Append(source.Text, start, end - start);
            starts.AddRange(source.starts.AsSpan(start, end - start));
            ends.AddRange(source.ends.AsSpan(start, end - start));
        }

        public NormalizedText Build() => new(text.ToString(), [.. starts], [.. ends]);
    }
}
