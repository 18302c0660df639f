using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// A tokenizer.json pattern, <c>{"String": "..."}</c> (literal) or <c>{"Regex": "..."}</c>, matched the way
/// Hugging Face's Rust library matches it: over Unicode code points. .NET's regex engine works on UTF-16
/// units, so a surrogate pair would be seen as two category-Cs units (an emoji would stop `\p{L}+` from
/// joining it to a following word); text with surrogates is matched on a copy where each supplementary
/// character is replaced by one BMP character of the same general category.
/// </summary>
internal sealed class TextPattern
{
    private readonly string? literal;
    private readonly Regex? regex;

    private TextPattern(string? literal, Regex? regex)
    {
        this.literal = literal;
        this.regex = regex;
    }

    public static TextPattern Literal(string text) => new(text, null);

    /// <summary>The text of a literal pattern, null for a regex.</summary>
    public string? LiteralText => literal;

    public static TextPattern FromRegex(string pattern) =>
        new(null, new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled));

    public static TextPattern FromJson(JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("String", out var s) && s.ValueKind == JsonValueKind.String)
            {
                return Literal(s.GetString()!);
            }
            if (element.TryGetProperty("Regex", out var r) && r.ValueKind == JsonValueKind.String)
            {
                try
                {
                    return FromRegex(r.GetString()!);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"{where}: the regex pattern {r.GetString()} cannot be compiled: {e.Message}", e);
                }
            }
        }
        throw new InvalidDataException($"{where}: expected a pattern {{\"String\": ...}} or {{\"Regex\": ...}}, found {element.GetRawText()}");
    }

    /// <summary>Splits text into consecutive (start, end, isMatch) pieces covering all of it.</summary>
    public List<(int Start, int End, bool IsMatch)> FindMatches(string text)
    {
        var result = new List<(int, int, bool)>();
        if (text.Length == 0)
        {
            result.Add((0, 0, false));
            return result;
        }
        int previous = 0;
        void Add(int start, int end)
        {
            if (end <= start)
            {
                return;
            }
            if (previous != start)
            {
                result.Add((previous, start, false));
            }
            result.Add((start, end, true));
            previous = end;
        }

        if (literal is not null)
        {
            if (literal.Length > 0)
            {
                for (int at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(literal, at + literal.Length, StringComparison.Ordinal))
                {
                    Add(at, at + literal.Length);
                }
            }
        }
        else if (!HasSurrogates(text))
        {
            for (var m = regex!.Match(text); m.Success; m = m.NextMatch())
            {
                Add(m.Index, m.Index + m.Length);
            }
        }
        else
        {
            var (substitute, unitIndex) = SubstituteSupplementary(text);
            for (var m = regex!.Match(substitute); m.Success; m = m.NextMatch())
            {
                Add(unitIndex[m.Index], unitIndex[m.Index + m.Length]);
            }
        }
        if (previous != text.Length)
        {
            result.Add((previous, text.Length, false));
        }
        return result;
    }

    private static bool HasSurrogates(string text)
    {
        foreach (char c in text)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One character per code point; unitIndex maps its positions (and the end) back to UTF-16 units.</summary>
    private static (string Substitute, int[] UnitIndex) SubstituteSupplementary(string text)
    {
        var builder = new StringBuilder(text.Length);
        var unitIndex = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length;)
        {
            unitIndex.Add(i);
            if (char.IsSurrogatePair(text, i))
            {
                var rune = new Rune(text[i], text[i + 1]);
                builder.Append(Representative(Rune.GetUnicodeCategory(rune)));
                i += 2;
            }
            else
            {
                builder.Append(text[i]);
                i++;
            }
        }
        unitIndex.Add(text.Length);
        return (builder.ToString(), unitIndex.ToArray());
    }

    /// <summary>A BMP character of the given category that no usual tokenizer pattern names literally.</summary>
    private static char Representative(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0100',
        UnicodeCategory.LowercaseLetter => '\u0101',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\uA000',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A1',
        UnicodeCategory.MathSymbol => '\u00B1',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u00A8',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378', // unassigned
    };
}
