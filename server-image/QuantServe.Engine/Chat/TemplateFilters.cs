using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace QuantServe.Engine.Chat;

/// <summary>jinja2's filters (<c>value | name(args)</c>) with its semantics; <c>tojson</c> is transformers' own.</summary>
internal static partial class TemplateFilters
{
    private static readonly HashSet<string> Names =
    [
        "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "format",
        "forceescape", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
        "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string",
        "sum", "title", "tojson", "trim", "unique", "upper", "wordcount", "batch", "center", "truncate", "striptags",
    ];

    public static bool IsKnown(string name) => Names.Contains(name);

    public static object? Apply(string name, object? value, List<object?> positional, Dictionary<string, object?> keywords)
    {
        var call = new MethodArguments(name, positional, keywords);
        object? result = Dispatch(name, value, call);
        call.EnsureAllUsed();
        return result;
    }

    private static object? Dispatch(string name, object? value, MethodArguments call)
    {
        switch (name)
        {
            case "default" or "d":
                var fallback = call.Optional(0, "default_value", "");
                bool boolean = call.Boolean(1, "boolean", false);
                return value is UndefinedValue || (boolean && !PythonValues.IsTruthy(value)) ? fallback : value;
            case "trim":
                return PythonText.Strip(SoftString(value), call.OptionalString(0, "chars"));
            case "upper": return PythonText.Upper(SoftString(value));
            case "lower": return PythonText.Lower(SoftString(value));
            case "capitalize": return PythonText.Capitalize(SoftString(value));
            case "title": return Title(SoftString(value));
            case "string": return SoftString(value);
            case "safe": return value is string ? value : SoftString(value);
            case "escape" or "e" or "forceescape": return Escape(SoftString(value));
            case "replace":
                return PythonText.Replace(SoftString(value), SoftString(call.Required(0, "old")), SoftString(call.Required(1, "new")),
                    call.Optional(2, "count") is null ? -1 : call.Integer(2, "count", -1));
            case "length" or "count": return Length(value);
            case "wordcount": return (long)WordPattern().Count(SoftString(value));
            case "tojson":
                var separators = call.Optional(2, "separators");
                string? itemSeparator = null;
                string? keySeparator = null;
                if (separators is IList<object?> { Count: 2 } pair)
                {
                    itemSeparator = SoftString(pair[0]);
                    keySeparator = SoftString(pair[1]);
                }
                else if (separators is not null)
                {
                    throw new ChatTemplateException("tojson: separators must be a pair of strings");
                }
                var indent = call.Optional(1, "indent");
                return PythonJson.Dumps(value, call.Boolean(0, "ensure_ascii", false), indent is UndefinedValue ? null : indent,
                    itemSeparator, keySeparator, call.Boolean(3, "sort_keys", false));
            case "items":
                return value switch
                {
                    UndefinedValue => new List<object?>(),
                    PythonDict dict => dict.Select(e => (object?)new object?[] { e.Key, e.Value }).ToList(),
                    _ => throw new ChatTemplateException("Can only get item pairs from a mapping."),
                };
            case "list": return PythonValues.Iterate(value).ToList();
            case "first":
                var firstItems = PythonValues.Iterate(value);
                return firstItems.Count > 0 ? firstItems[0] : new UndefinedValue("No first item, sequence was empty.");
            case "last":
                var lastItems = PythonValues.Iterate(value);
                return lastItems.Count > 0 ? lastItems[^1] : new UndefinedValue("No last item, sequence was empty.");
            case "reverse":
                return value switch
                {
                    string s => string.Concat(PythonText.CodePoints(s).AsEnumerable().Reverse()),
                    _ => PythonValues.Iterate(value).Reverse().ToList(),
                };
            case "join":
                string separator = SoftString(call.Optional(0, "d", ""));
                var joinAttribute = call.Optional(1, "attribute");
                var joined = PythonValues.Iterate(value);
                if (joinAttribute is not null)
                {
                    joined = joined.Select(item => AttributeOf(item, joinAttribute)).ToList();
                }
                return string.Join(separator, joined.Select(SoftString));
            case "int":
                return ToInt(value, call.Optional(0, "default", 0L), call.Integer(1, "base", 10));
            case "float":
                return ToFloat(value, call.Optional(0, "default", 0.0));
            case "abs":
                return value switch
                {
                    long l => (object)Math.Abs(l),
                    double d => Math.Abs(d),
                    bool b => b ? 1L : 0L,
                    UndefinedValue u => throw u.Error(),
                    _ => throw new ChatTemplateException($"bad operand type for abs(): '{PythonValues.TypeName(value)}'"),
                };
            case "round":
                return Round(value, call.Integer(0, "precision", 0), SoftString(call.Optional(1, "method", "common")));
            case "indent":
                var width = call.Optional(0, "width", 4L);
                return Indent(SoftString(value), width is string w ? w : new string(' ', (int)PythonValues.ToLong(width)),
                    call.Boolean(1, "first", false), call.Boolean(2, "blank", false));
            case "center":
                int total = (int)call.Integer(0, "width", 80);
                string text = SoftString(value);
                if (text.Length >= total)
                {
                    return text;
                }
                int pad = total - text.Length;
                int left = (pad / 2) + (pad & total & 1);
                return new string(' ', left) + text + new string(' ', pad - left);
            case "select" or "reject":
                return Select(value, call, 0, attribute: null, keep: name == "select");
            case "selectattr" or "rejectattr":
                return Select(value, call, 1, attribute: call.Required(0, "attribute"), keep: name == "selectattr");
            case "map":
                return Map(value, call);
            case "attr":
                return TemplateOperators.GetAttribute(value, SoftString(call.Required(0, "name")));
            case "unique":
                return Unique(value, call.Boolean(0, "case_sensitive", false), call.Optional(1, "attribute"));
            case "sort":
                return Sort(value, call.Boolean(0, "reverse", false), call.Boolean(1, "case_sensitive", false), call.Optional(2, "attribute"));
            case "dictsort":
                return DictSort(value, call.Boolean(0, "case_sensitive", false), SoftString(call.Optional(1, "by", "key")), call.Boolean(2, "reverse", false));
            case "min" or "max":
                var candidates = PythonValues.Iterate(value);
                bool caseSensitive = call.Boolean(0, "case_sensitive", false);
                var extremeAttribute = call.Optional(1, "attribute");
                if (candidates.Count == 0)
                {
                    return new UndefinedValue($"No aggregated item, sequence was empty.");
                }
                object? best = candidates[0];
                foreach (var candidate in candidates.Skip(1))
                {
                    int order = PythonValues.Compare(SortKey(candidate, caseSensitive, extremeAttribute), SortKey(best, caseSensitive, extremeAttribute), "<");
                    if (name == "min" ? order < 0 : order > 0)
                    {
                        best = candidate;
                    }
                }
                return best;
            case "sum":
                var sumAttribute = call.Optional(0, "attribute");
                object? sum = call.Optional(1, "start", 0L);
                foreach (var item in PythonValues.Iterate(value))
                {
                    sum = TemplateOperators.Add(sum, sumAttribute is null ? item : AttributeOf(item, sumAttribute));
                }
                return sum;
            case "format":
                var formatArguments = call.Positional.ToArray();
                for (int i = 0; i < formatArguments.Length; i++)
                {
                    call.Optional(i, "");
                }
                return PercentFormat.Apply(SoftString(value), formatArguments.Length == 1 ? formatArguments[0] : formatArguments);
            case "batch":
                long size = call.Integer(0, "linecount", 1);
                var fill = call.Optional(1, "fill_with");
                var batches = new List<object?>();
                List<object?>? current = null;
                foreach (var item in PythonValues.Iterate(value))
                {
                    if (current is null || current.Count == size)
                    {
                        current = [];
                        batches.Add(current);
                    }
                    current.Add(item);
                }
                if (current is not null && fill is not null)
                {
                    while (current.Count < size)
                    {
                        current.Add(fill);
                    }
                }
                return batches;
            case "truncate":
                string full = SoftString(value);
                long length = call.Integer(0, "length", 255);
                bool killWords = call.Boolean(1, "killwords", false);
                string end = SoftString(call.Optional(2, "end", "..."));
                long leeway = call.Integer(3, "leeway", 5);
                if (full.Length <= length + leeway)
                {
                    return full;
                }
                if (killWords)
                {
                    return full[..(int)Math.Max(0, length - end.Length)] + end;
                }
                string cut = full[..(int)Math.Max(0, length - end.Length)];
                int space = cut.LastIndexOf(' ');
                return (space >= 0 ? cut[..space] : cut) + end;
            case "striptags":
                return string.Join(' ', PythonText.Split(WebUtility.HtmlDecode(TagPattern().Replace(SoftString(value), "")), null, -1).Cast<string>());
            default:
                throw new ChatTemplateException($"filter '{name}' is not supported");
        }
    }

    /// <summary>jinja2's soft_str: str() that leaves strings alone and prints undefined as "".</summary>
    private static string SoftString(object? value) => PythonValues.Str(value);

    private static object Length(object? value) => value switch
    {
        string s => (long)PythonText.Length(s),
        List<object?> list => (long)list.Count,
        object?[] tuple => (long)tuple.Length,
        PythonDict dict => (long)dict.Count,
        NamespaceValue => throw new ChatTemplateException("object of type 'Namespace' has no len()"),
        UndefinedValue => 0L,
        _ => throw new ChatTemplateException($"object of type '{PythonValues.TypeName(value)}' has no len()"),
    };

    /// <summary>jinja2's title filter: upper-case the first letter of each run after -, whitespace or an opening bracket.</summary>
    private static string Title(string text)
    {
        var builder = new StringBuilder();
        foreach (string part in TitleSplitPattern().Split(text))
        {
            if (part.Length > 0)
            {
                builder.Append(PythonText.Upper(part[..1])).Append(PythonText.Lower(part[1..]));
            }
        }
        return builder.ToString();
    }

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal)
            .Replace("'", "&#39;", StringComparison.Ordinal);

    private static object? ToInt(object? value, object? fallback, long numberBase)
    {
        switch (value)
        {
            case bool or long: return PythonValues.ToLong(value);
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                string trimmed = PythonText.Strip(s, null).Replace("_", "", StringComparison.Ordinal);
                try
                {
                    if (numberBase == 10 && long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
                    {
                        return parsed;
                    }
                    if (numberBase != 10 && trimmed.Length > 0)
                    {
                        return Convert.ToInt64(trimmed, (int)numberBase);
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
                {
                    return fallback;
                }
                return ToFloat(s, null) is double f && double.IsFinite(f) ? (long)Math.Truncate(f) : fallback;
            default: return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback)
    {
        switch (value)
        {
            case bool or long or double: return PythonValues.ToDouble(value);
            case string s:
                string trimmed = PythonText.Strip(s, null).Replace("_", "", StringComparison.Ordinal);
                string lower = trimmed.ToLowerInvariant().TrimStart('+');
                if (lower is "inf" or "infinity" or "-inf" or "-infinity" or "nan" or "-nan")
                {
                    return lower.Contains("nan", StringComparison.Ordinal) ? double.NaN : lower.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
                }
                return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed : fallback;
            default: return fallback;
        }
    }

    private static object? Round(object? value, long precision, string method)
    {
        if (method is not ("common" or "ceil" or "floor"))
        {
            throw new ChatTemplateException("method must be common, ceil or floor");
        }
        if (value is UndefinedValue u)
        {
            throw u.Error();
        }
        if (!PythonValues.IsNumber(value))
        {
            throw new ChatTemplateException($"type {PythonValues.TypeName(value)} doesn't define __round__ method");
        }
        if (method == "common")
        {
            // Python's round(): ints stay ints, floats round half to even.
            return value is long or bool ? (object)PythonValues.ToLong(value) : Math.Round(PythonValues.ToDouble(value), (int)Math.Clamp(precision, 0, 15), MidpointRounding.ToEven);
        }
        double scale = Math.Pow(10, precision);
        double scaled = PythonValues.ToDouble(value) * scale;
        return (method == "ceil" ? Math.Ceiling(scaled) : Math.Floor(scaled)) / scale;
    }

    /// <summary>jinja2's indent: every line but the first (unless <paramref name="first"/>) and blank lines (unless <paramref name="blank"/>).</summary>
    private static string Indent(string text, string indentation, bool first, bool blank)
    {
        var lines = PythonText.SplitLines(text + "\n");
        string result;
        if (blank)
        {
            result = string.Join("\n" + indentation, lines);
        }
        else
        {
            result = lines[0];
            if (lines.Count > 1)
            {
                result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indentation + line : line));
            }
        }
        return first ? indentation + result : result;
    }

    private static object? AttributeOf(object? item, object? attribute)
    {
        object? current = item;
        foreach (string part in SoftString(attribute).Split('.'))
        {
            current = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long index)
                ? TemplateOperators.GetItem(current, index)
                : TemplateOperators.GetItem(current, part);
        }
        return current;
    }

    private static List<object?> Select(object? value, MethodArguments call, int testIndex, object? attribute, bool keep)
    {
        string? test = call.Has(testIndex, "") ? SoftString(call.Optional(testIndex, "")) : null;
        if (test is not null && !TemplateTests.IsKnown(test))
        {
            throw new ChatTemplateException($"test '{test}' is not supported");
        }
        var testArguments = call.Positional.Skip(testIndex + 1).ToList();
        for (int i = testIndex + 1; i < call.Positional.Count; i++)
        {
            call.Optional(i, "");
        }
        var result = new List<object?>();
        foreach (var item in PythonValues.Iterate(value))
        {
            var subject = attribute is null ? item : AttributeOf(item, attribute);
            bool passes = test is null ? PythonValues.IsTruthy(subject) : TemplateTests.Apply(test, subject, testArguments);
            if (passes == keep)
            {
                result.Add(item);
            }
        }
        return result;
    }

    private static List<object?> Map(object? value, MethodArguments call)
    {
        var items = PythonValues.Iterate(value);
        if (call.Keywords.ContainsKey("attribute"))
        {
            var attribute = call.Optional(-1, "attribute");
            bool hasDefault = call.Keywords.ContainsKey("default");
            var fallback = call.Optional(-1, "default");
            return items.Select(item =>
            {
                var mapped = AttributeOf(item, attribute);
                return hasDefault && mapped is UndefinedValue ? fallback : mapped;
            }).ToList();
        }
        string filter = SoftString(call.Required(0, "filter"));
        if (!IsKnown(filter))
        {
            throw new ChatTemplateException($"filter '{filter}' is not supported");
        }
        var filterArguments = call.Positional.Skip(1).ToList();
        for (int i = 1; i < call.Positional.Count; i++)
        {
            call.Optional(i, "");
        }
        var filterKeywords = new Dictionary<string, object?>(call.Keywords);
        foreach (string keyword in filterKeywords.Keys)
        {
            call.Optional(-1, keyword);
        }
        return items.Select(item => Apply(filter, item, [.. filterArguments], new Dictionary<string, object?>(filterKeywords))).ToList();
    }

    private static object? SortKey(object? item, bool caseSensitive, object? attribute)
    {
        var key = attribute is null ? item : AttributeOf(item, attribute);
        return !caseSensitive && key is string s ? PythonText.Lower(s) : key;
    }

    private static List<object?> Unique(object? value, bool caseSensitive, object? attribute)
    {
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in PythonValues.Iterate(value))
        {
            var key = SortKey(item, caseSensitive, attribute);
            if (!seen.Any(s => PythonValues.AreEqual(s, key)))
            {
                seen.Add(key);
                result.Add(item);
            }
        }
        return result;
    }

    private static List<object?> Sort(object? value, bool reverse, bool caseSensitive, object? attribute)
    {
        var items = PythonValues.Iterate(value).Select(item => (Key: SortKey(item, caseSensitive, attribute), Item: item)).ToList();
        // A stable sort, like Python's.
        var sorted = items.Select((entry, index) => (entry.Key, entry.Item, Index: index)).ToList();
        sorted.Sort((a, b) =>
        {
            int order = PythonValues.Compare(a.Key, b.Key, "<");
            return order != 0 ? (reverse ? -order : order) : a.Index.CompareTo(b.Index);
        });
        return sorted.Select(entry => entry.Item).ToList();
    }

    private static List<object?> DictSort(object? value, bool caseSensitive, string by, bool reverse)
    {
        if (value is not PythonDict dict)
        {
            throw new ChatTemplateException("dictsort needs a mapping");
        }
        int position = by switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new ChatTemplateException("You can only sort by either \"key\" or \"value\""),
        };
        var pairs = dict.Select(e => new object?[] { e.Key, e.Value }).ToList();
        var sorted = pairs.Select((pair, index) => (Pair: pair, Index: index)).ToList();
        sorted.Sort((a, b) =>
        {
            int order = PythonValues.Compare(SortKey(a.Pair[position], caseSensitive, null), SortKey(b.Pair[position], caseSensitive, null), "<");
            return order != 0 ? (reverse ? -order : order) : a.Index.CompareTo(b.Index);
        });
        return sorted.Select(entry => (object?)entry.Pair).ToList();
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex TitleSplitPattern();

    [GeneratedRegex(@"(<!--.*?-->|<[^>]*>)", RegexOptions.Singleline)]
    private static partial Regex TagPattern();
}
