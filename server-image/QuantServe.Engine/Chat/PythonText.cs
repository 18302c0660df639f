using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>Python's str operations where .NET's differ: whitespace set, strip, split, title, splitlines.</summary>
internal static class PythonText
{
    /// <summary>str.isspace for one character: .NET's whitespace plus the separators \x1c-\x1f.</summary>
    public static bool IsWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    public static bool IsAllWhitespace(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!IsWhitespace(c))
            {
                return false;
            }
        }
        return true;
    }

    public static string TrimEnd(string text)
    {
        int end = text.Length;
        while (end > 0 && IsWhitespace(text[end - 1]))
        {
            end--;
        }
        return text[..end];
    }

    /// <summary>str.strip/lstrip/rstrip: whitespace, or any of <paramref name="chars"/> when given.</summary>
    public static string Strip(string text, string? chars, bool left = true, bool right = true)
    {
        bool Strippable(char c) => chars is null ? IsWhitespace(c) : chars.Contains(c);
        int start = 0;
        int end = text.Length;
        if (left)
        {
            while (start < end && Strippable(text[start]))
            {
                start++;
            }
        }
        if (right)
        {
            while (end > start && Strippable(text[end - 1]))
            {
                end--;
            }
        }
        return text[start..end];
    }

    /// <summary>str.split(sep=None, maxsplit=-1).</summary>
    public static List<object?> Split(string text, string? separator, long maxSplit)
    {
        var parts = new List<object?>();
        if (separator is null)
        {
            int i = 0;
            while (true)
            {
                while (i < text.Length && IsWhitespace(text[i]))
                {
                    i++;
                }
                if (i >= text.Length)
                {
                    break;
                }
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(TrimEnd(text[i..]));
                    break;
                }
                int start = i;
                while (i < text.Length && !IsWhitespace(text[i]))
                {
                    i++;
                }
                parts.Add(text[start..i]);
            }
            return parts;
        }
        if (separator.Length == 0)
        {
            throw new ChatTemplateException("empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int at = text.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }
            parts.Add(text[from..at]);
            from = at + separator.Length;
        }
        parts.Add(text[from..]);
        return parts;
    }

    /// <summary>str.rsplit(sep=None, maxsplit=-1).</summary>
    public static List<object?> RightSplit(string text, string? separator, long maxSplit)
    {
        if (maxSplit < 0)
        {
            return Split(text, separator, maxSplit);
        }
        var parts = new List<object?>();
        if (separator is null)
        {
            int i = text.Length;
            while (true)
            {
                while (i > 0 && IsWhitespace(text[i - 1]))
                {
                    i--;
                }
                if (i <= 0)
                {
                    break;
                }
                if (parts.Count == maxSplit)
                {
                    parts.Add(Strip(text[..i], null, left: true, right: false));
                    break;
                }
                int end = i;
                while (i > 0 && !IsWhitespace(text[i - 1]))
                {
                    i--;
                }
                parts.Add(text[i..end]);
            }
            parts.Reverse();
            return parts;
        }
        if (separator.Length == 0)
        {
            throw new ChatTemplateException("empty separator");
        }
        int to = text.Length;
        while (parts.Count < maxSplit)
        {
            int at = to - separator.Length < 0 ? -1 : text.LastIndexOf(separator, to - 1, to, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }
            parts.Add(text[(at + separator.Length)..to]);
            to = at;
        }
        parts.Add(text[..to]);
        parts.Reverse();
        return parts;
    }

    /// <summary>str.splitlines(): splits at \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029.</summary>
    public static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(text[start..i]);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return lines;
    }

    public static List<string> CodePoints(string text)
    {
        var result = new List<string>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            result.Add(rune.ToString());
        }
        return result;
    }

    public static int Length(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }
        return count;
    }

    /// <summary>str.upper(), including Python's one common full case mapping (ß becomes SS).</summary>
    public static string Upper(string text) => text.ToUpperInvariant().Replace("ß", "SS", StringComparison.Ordinal);

    public static string Lower(string text) => text.ToLowerInvariant();

    /// <summary>str.capitalize(): first character upper case, the rest lower case.</summary>
    public static string Capitalize(string text) =>
        text.Length == 0 ? text : Upper(text[..1]) + Lower(text[1..]);

    /// <summary>str.title(): a letter after a non-letter is upper-cased, other letters lower-cased.</summary>
    public static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool previousCased = false;
        foreach (char c in text)
        {
            bool cased = char.IsLetter(c);
            builder.Append(cased ? (previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            previousCased = cased;
        }
        return builder.ToString();
    }

    /// <summary>Python's count of non-overlapping occurrences (an empty needle counts len + 1).</summary>
    public static long Count(string text, string needle)
    {
        if (needle.Length == 0)
        {
            return Length(text) + 1;
        }
        long count = 0;
        for (int at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>str.replace(old, new, count=-1), with Python's behaviour for an empty <paramref name="old"/>.</summary>
    public static string Replace(string text, string old, string replacement, long count)
    {
        if (count == 0)
        {
            return text;
        }
        if (old.Length == 0)
        {
            var points = CodePoints(text);
            var builder = new StringBuilder();
            long done = 0;
            for (int i = 0; i <= points.Count; i++)
            {
                if (count < 0 || done < count)
                {
                    builder.Append(replacement);
                    done++;
                }
                if (i < points.Count)
                {
                    builder.Append(points[i]);
                }
            }
            return builder.ToString();
        }
        if (count < 0)
        {
            return text.Replace(old, replacement, StringComparison.Ordinal);
        }
        var result = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++)
        {
            int at = text.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }
            result.Append(text, from, at - from).Append(replacement);
            from = at + old.Length;
        }
        return result.Append(text, from, text.Length - from).ToString();
    }

    /// <summary>The index of <paramref name="needle"/> in code points, or -1.</summary>
    public static long Find(string text, string needle, bool last)
    {
        int at = last ? text.LastIndexOf(needle, StringComparison.Ordinal) : text.IndexOf(needle, StringComparison.Ordinal);
        return at < 0 ? -1 : Length(text[..at]);
    }

    public static string Format(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
