using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>The str, dict, list and tuple methods templates call (<c>content.strip()</c>, <c>d.get(k)</c>...).</summary>
internal static class PythonMethods
{
    public static object? Call(BoundMethod method, List<object?> arguments, Dictionary<string, object?> keywords)
    {
        var call = new MethodArguments(method.Name, arguments, keywords);
        object? result = method.Target switch
        {
            string s => CallString(s, call),
            PythonDict dict => CallDict(dict, call),
            List<object?> or object?[] => CallSequence((IList<object?>)method.Target, call),
            _ => throw new ChatTemplateException($"'{PythonValues.TypeName(method.Target)}' object has no method '{method.Name}'"),
        };
        call.EnsureAllUsed();
        return result;
    }

    private static object? CallString(string s, MethodArguments call)
    {
        switch (call.Name)
        {
            case "strip": return PythonText.Strip(s, call.OptionalString(0, "chars"));
            case "lstrip": return PythonText.Strip(s, call.OptionalString(0, "chars"), right: false);
            case "rstrip": return PythonText.Strip(s, call.OptionalString(0, "chars"), left: false);
            case "split": return PythonText.Split(s, call.OptionalString(0, "sep"), call.Integer(1, "maxsplit", -1));
            case "rsplit": return PythonText.RightSplit(s, call.OptionalString(0, "sep"), call.Integer(1, "maxsplit", -1));
            case "splitlines": return PythonText.SplitLines(s).Cast<object?>().ToList();
            case "startswith": return Affix(s, call, (text, affix) => text.StartsWith(affix, StringComparison.Ordinal));
            case "endswith": return Affix(s, call, (text, affix) => text.EndsWith(affix, StringComparison.Ordinal));
            case "upper": return PythonText.Upper(s);
            case "lower" or "casefold": return PythonText.Lower(s);
            case "title": return PythonText.Title(s);
            case "capitalize": return PythonText.Capitalize(s);
            case "swapcase": return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "replace": return PythonText.Replace(s, call.String(0, "old"), call.String(1, "new"), call.Integer(2, "count", -1));
            case "format": return StringFormat.Apply(s, call.Positional, call.Keywords);
            case "count": return PythonText.Count(s, call.String(0, "sub"));
            case "find": return PythonText.Find(s, call.String(0, "sub"), last: false);
            case "rfind": return PythonText.Find(s, call.String(0, "sub"), last: true);
            case "index" or "rindex":
                long at = PythonText.Find(s, call.String(0, "sub"), last: call.Name == "rindex");
                return at >= 0 ? at : throw new ChatTemplateException("substring not found");
            case "join":
                return string.Join(s, PythonValues.Iterate(call.Required(0, "iterable")).Select(item => item as string
                    ?? throw new ChatTemplateException($"sequence item: expected str instance, {PythonValues.TypeName(item)} found")));
            case "isdigit" or "isnumeric" or "isdecimal": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": return s.Length > 0 && s.All(PythonText.IsWhitespace);
            case "islower": return s.Any(char.IsLetter) && s == PythonText.Lower(s);
            case "isupper": return s.Any(char.IsLetter) && s == PythonText.Upper(s);
            case "isascii": return s.All(char.IsAscii);
            case "zfill":
                long width = call.Integer(0, "width", 0);
                return s.Length >= width ? s : s.Length > 0 && s[0] is '-' or '+' ? s[0] + s[1..].PadLeft((int)width - 1, '0') : s.PadLeft((int)width, '0');
            case "center" or "ljust" or "rjust":
                int total = (int)call.Integer(0, "width", 0);
                string fill = call.OptionalString(1, "fillchar") ?? " ";
                if (s.Length >= total)
                {
                    return s;
                }
                int pad = total - s.Length;
                int left = call.Name == "rjust" ? pad : call.Name == "ljust" ? 0 : (pad / 2) + (pad & total & 1);
                return new string(fill[0], left) + s + new string(fill[0], pad - left);
            case "removeprefix":
                string prefix = call.String(0, "prefix");
                return s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
            case "removesuffix":
                string suffix = call.String(0, "suffix");
                return suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
            case "partition" or "rpartition":
                string separator = call.String(0, "sep");
                int index = call.Name == "partition" ? s.IndexOf(separator, StringComparison.Ordinal) : s.LastIndexOf(separator, StringComparison.Ordinal);
                return index < 0
                    ? (call.Name == "partition" ? new object?[] { s, "", "" } : ["", "", s])
                    : new object?[] { s[..index], separator, s[(index + separator.Length)..] };
            default:
                throw new ChatTemplateException($"str.{call.Name}() is not supported in chat templates");
        }
    }

    private static bool Affix(string s, MethodArguments call, Func<string, string, bool> test)
    {
        var affix = call.Required(0, call.Name == "startswith" ? "prefix" : "suffix");
        long start = call.Integer(1, "start", 0);
        string text = start > 0 ? (start >= s.Length ? "" : s[(int)start..]) : s;
        return affix switch
        {
            string one => test(text, one),
            object?[] many => many.Any(a => a is string x ? test(text, x) : throw new ChatTemplateException($"tuple for {call.Name} must only contain str")),
            _ => throw new ChatTemplateException($"{call.Name} first arg must be str or a tuple of str, not {PythonValues.TypeName(affix)}"),
        };
    }

    private static object? CallDict(PythonDict dict, MethodArguments call)
    {
        switch (call.Name)
        {
            case "get":
                var key = call.Required(0, "key");
                return key is not null and not UndefinedValue && dict.TryGetValue(key, out var value) ? value : call.Optional(1, "default");
            case "items": return dict.Select(e => (object?)new object?[] { e.Key, e.Value }).ToList();
            case "keys": return dict.Keys.Cast<object?>().ToList();
            case "values": return dict.Values.ToList();
            case "copy":
                var copy = new PythonDict();
                foreach (var (k, v) in dict)
                {
                    copy[k] = v;
                }
                return copy;
            default:
                throw new ChatTemplateException($"dict.{call.Name}() is not supported in chat templates");
        }
    }

    private static object? CallSequence(IList<object?> items, MethodArguments call)
    {
        switch (call.Name)
        {
            case "count":
                var needle = call.Required(0, "value");
                return (long)items.Count(item => PythonValues.AreEqual(item, needle));
            case "index":
                var wanted = call.Required(0, "value");
                for (int i = 0; i < items.Count; i++)
                {
                    if (PythonValues.AreEqual(items[i], wanted))
                    {
                        return (long)i;
                    }
                }
                throw new ChatTemplateException($"{PythonValues.Repr(wanted)} is not in list");
            case "copy":
                return items.ToList();
            default:
                throw new ChatTemplateException($"list.{call.Name}() is not supported in chat templates");
        }
    }
}

/// <summary>The arguments of a method or filter call, read by position or keyword as Python binds them.</summary>
internal sealed class MethodArguments(string name, List<object?> positional, Dictionary<string, object?> keywords)
{
    private readonly HashSet<string> _usedKeywords = [];
    private int _positionalUsed;

    public string Name { get; } = name;

    public List<object?> Positional { get; } = positional;

    public Dictionary<string, object?> Keywords { get; } = keywords;

    public bool Has(int index, string keyword) => index < Positional.Count || Keywords.ContainsKey(keyword);

    public object? Optional(int index, string keyword, object? defaultValue = null)
    {
        if (index >= 0 && index < Positional.Count)
        {
            _positionalUsed = Math.Max(_positionalUsed, index + 1);
            return Positional[index];
        }
        if (Keywords.TryGetValue(keyword, out var value))
        {
            _usedKeywords.Add(keyword);
            return value;
        }
        return defaultValue;
    }

    public object? Required(int index, string keyword) =>
        Has(index, keyword) ? Optional(index, keyword) : throw new ChatTemplateException($"{Name}() missing required argument '{keyword}'");

    public string String(int index, string keyword) => Required(index, keyword) switch
    {
        string s => s,
        UndefinedValue u => throw u.Error(),
        var other => throw new ChatTemplateException($"{Name}() argument '{keyword}' must be str, not {PythonValues.TypeName(other)}"),
    };

    public string? OptionalString(int index, string keyword) => Optional(index, keyword) switch
    {
        null => null,
        string s => s,
        UndefinedValue u => throw u.Error(),
        var other => throw new ChatTemplateException($"{Name}() argument '{keyword}' must be str or None, not {PythonValues.TypeName(other)}"),
    };

    public long Integer(int index, string keyword, long defaultValue) => Optional(index, keyword, defaultValue) switch
    {
        bool or long => PythonValues.ToLong(Optional(index, keyword, defaultValue)),
        UndefinedValue u => throw u.Error(),
        var other => throw new ChatTemplateException($"{Name}() argument '{keyword}' must be an integer, not {PythonValues.TypeName(other)}"),
    };

    public bool Boolean(int index, string keyword, bool defaultValue) => PythonValues.IsTruthy(Optional(index, keyword, defaultValue));

    /// <summary>Rejects arguments nothing read, as Python would.</summary>
    public void EnsureAllUsed()
    {
        if (Name == "format")
        {
            return;
        }
        if (Positional.Count > _positionalUsed)
        {
            throw new ChatTemplateException($"{Name}() takes at most {_positionalUsed} positional argument(s) ({Positional.Count} given)");
        }
        foreach (string keyword in Keywords.Keys)
        {
            if (!_usedKeywords.Contains(keyword))
            {
                throw new ChatTemplateException($"{Name}() got an unexpected keyword argument '{keyword}'");
            }
        }
    }
}
