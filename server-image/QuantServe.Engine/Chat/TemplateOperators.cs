using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>Python's operators, attribute and item access on template values, with its errors.</summary>
internal static class TemplateOperators
{
    private static readonly HashSet<string> StringMethods =
    [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower", "title",
        "capitalize", "swapcase", "replace", "format", "count", "find", "rfind", "index", "rindex", "join", "isdigit",
        "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric", "isdecimal", "zfill", "center", "ljust",
        "rjust", "removeprefix", "removesuffix", "partition", "rpartition", "casefold", "encode", "expandtabs", "istitle",
        "isidentifier", "isprintable", "isascii", "translate", "maketrans", "format_map",
    ];

    private static readonly HashSet<string> DictMethods = ["get", "items", "keys", "values", "copy", "pop", "popitem", "update", "setdefault", "clear", "fromkeys"];

    private static readonly HashSet<string> ListMethods = ["count", "index", "copy", "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"];

    /// <summary>Methods the immutable sandbox (transformers renders with one) refuses.</summary>
    public static readonly HashSet<string> MutatingMethods = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear", "popitem", "update", "setdefault"];

    /// <summary>jinja2's <c>obj.name</c>: a Python attribute (a method) first, then the item.</summary>
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case UndefinedValue undefined:
                throw undefined.Error();
            case PythonDict dict:
                if (DictMethods.Contains(name))
                {
                    return Method(dict, name);
                }
                return dict.TryGetValue(name, out var value) ? value : UndefinedValue.Attribute(target, name);
            case string s:
                return StringMethods.Contains(name) ? Method(s, name) : UndefinedValue.Attribute(target, name);
            case List<object?> list:
                return ListMethods.Contains(name) ? Method(list, name) : UndefinedValue.Attribute(target, name);
            case object?[] tuple:
                return name is "count" or "index" ? Method(tuple, name) : UndefinedValue.Attribute(target, name);
            case NamespaceValue ns:
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : UndefinedValue.Attribute(target, name);
            case LoopValue loop:
                return loop.Get(name);
            case null:
                return new UndefinedValue($"'None' has no attribute '{name}'");
            default:
                return UndefinedValue.Attribute(target, name);
        }
    }

    private static BoundMethod Method(object target, string name)
    {
        if (MutatingMethods.Contains(name))
        {
            throw new ChatTemplateException($"access to attribute '{name}' of '{PythonValues.TypeName(target)}' object is unsafe.");
        }
        return new BoundMethod(target, name);
    }

    /// <summary>jinja2's <c>obj[key]</c>: the item first, then (for a string key) the attribute.</summary>
    public static object? GetItem(object? target, object? key)
    {
        if (target is UndefinedValue undefined)
        {
            throw undefined.Error();
        }
        if (key is UndefinedValue undefinedKey)
        {
            throw undefinedKey.Error();
        }
        switch (target)
        {
            case PythonDict dict:
                if (key is not null && dict.TryGetValue(key, out var value))
                {
                    return value;
                }
                break;
            case List<object?> or object?[] when key is long or bool:
                var items = (IList<object?>)target;
                long index = PythonValues.ToLong(key);
                if (index < 0)
                {
                    index += items.Count;
                }
                return index >= 0 && index < items.Count ? items[(int)index] : UndefinedValue.Element(target, key);
            case string s when key is long or bool:
                var points = PythonText.CodePoints(s);
                long at = PythonValues.ToLong(key);
                if (at < 0)
                {
                    at += points.Count;
                }
                return at >= 0 && at < points.Count ? points[(int)at] : UndefinedValue.Element(target, key);
        }
        if (key is string name)
        {
            return target is PythonDict && !DictMethods.Contains(name) ? UndefinedValue.Attribute(target, name) : GetAttribute(target, name);
        }
        return UndefinedValue.Element(target, key);
    }

    /// <summary>Python's <c>seq[start:stop:step]</c> on lists, tuples and strings.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is UndefinedValue undefined)
        {
            throw undefined.Error();
        }
        long? Bound(object? value, string what) => value switch
        {
            null => null,
            long or bool => PythonValues.ToLong(value),
            UndefinedValue u => throw u.Error(),
            _ => throw new ChatTemplateException($"slice {what} must be an integer or None, not '{PythonValues.TypeName(value)}'"),
        };
        long stepValue = Bound(step, "step") ?? 1;
        if (stepValue == 0)
        {
            throw new ChatTemplateException("slice step cannot be zero");
        }
        IList<object?> items;
        bool isString = false;
        switch (target)
        {
            case List<object?> list: items = list; break;
            case object?[] tuple: items = tuple; break;
            case string s: items = PythonText.CodePoints(s).Cast<object?>().ToList(); isString = true; break;
            default: throw new ChatTemplateException($"'{PythonValues.TypeName(target)}' object is not subscriptable");
        }
        long length = items.Count;
        long Clamp(long? value, long whenMissing)
        {
            if (value is null)
            {
                return whenMissing;
            }
            long v = value.Value < 0 ? value.Value + length : value.Value;
            return stepValue > 0 ? Math.Clamp(v, 0, length) : Math.Clamp(v, -1, length - 1);
        }
        long from = Clamp(Bound(start, "start"), stepValue > 0 ? 0 : length - 1);
        long to = Clamp(Bound(stop, "stop"), stepValue > 0 ? length : -1);
        var result = new List<object?>();
        for (long i = from; stepValue > 0 ? i < to : i > to; i += stepValue)
        {
            result.Add(items[(int)i]);
        }
        return isString ? string.Concat(result.Cast<string>()) : target is object?[] ? result.ToArray() : result;
    }

    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                return item is string needle
                    ? s.Contains(needle, StringComparison.Ordinal)
                    : item is UndefinedValue u ? throw u.Error() : throw new ChatTemplateException($"'in <string>' requires string as left operand, not {PythonValues.TypeName(item)}");
            case List<object?> or object?[]:
                foreach (var element in (IList<object?>)container)
                {
                    if (PythonValues.AreEqual(element, item))
                    {
                        return true;
                    }
                }
                return false;
            case PythonDict dict:
                return item is not null and not UndefinedValue && dict.ContainsKey(item);
            case UndefinedValue:
                return false;
            default:
                throw new ChatTemplateException($"argument of type '{PythonValues.TypeName(container)}' is not iterable");
        }
    }

    public static object? Add(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (a is long or bool && b is long or bool)
        {
            return PythonValues.ToLong(a) + PythonValues.ToLong(b);
        }
        if (PythonValues.IsNumber(a) && PythonValues.IsNumber(b))
        {
            return PythonValues.ToDouble(a) + PythonValues.ToDouble(b);
        }
        switch (a)
        {
            case string sa when b is string sb:
                return sa + sb;
            case List<object?> la when b is List<object?> lb:
                return la.Concat(lb).ToList();
            case object?[] ta when b is object?[] tb:
                return ta.Concat(tb).ToArray();
            case string:
                throw new ChatTemplateException($"can only concatenate str (not \"{PythonValues.TypeName(b)}\") to str");
            case List<object?>:
                throw new ChatTemplateException($"can only concatenate list (not \"{PythonValues.TypeName(b)}\") to list");
            default:
                throw Unsupported("+", a, b);
        }
    }

    public static object? Arithmetic(string op, object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        switch (op)
        {
            case "+":
                return Add(a, b);
            case "-":
                RequireNumbers(op, a, b);
                return BothIntegers(a, b) ? (object)(PythonValues.ToLong(a) - PythonValues.ToLong(b)) : PythonValues.ToDouble(a) - PythonValues.ToDouble(b);
            case "*":
                if (a is string or List<object?> && b is long or bool)
                {
                    return Repeat(a, PythonValues.ToLong(b));
                }
                if (b is string or List<object?> && a is long or bool)
                {
                    return Repeat(b, PythonValues.ToLong(a));
                }
                RequireNumbers(op, a, b);
                return BothIntegers(a, b) ? (object)(PythonValues.ToLong(a) * PythonValues.ToLong(b)) : PythonValues.ToDouble(a) * PythonValues.ToDouble(b);
            case "/":
                RequireNumbers(op, a, b);
                double divisor = PythonValues.ToDouble(b);
                return divisor == 0 ? throw new ChatTemplateException("division by zero") : PythonValues.ToDouble(a) / divisor;
            case "//":
                RequireNumbers(op, a, b);
                if (BothIntegers(a, b))
                {
                    long x = PythonValues.ToLong(a);
                    long y = PythonValues.ToLong(b);
                    return y == 0 ? throw new ChatTemplateException("integer division or modulo by zero") : FloorDivide(x, y);
                }
                double d = PythonValues.ToDouble(b);
                return d == 0 ? throw new ChatTemplateException("float floor division by zero") : Math.Floor(PythonValues.ToDouble(a) / d);
            case "%":
                return Modulo(a, b);
            case "**":
                RequireNumbers(op, a, b);
                if (BothIntegers(a, b) && PythonValues.ToLong(b) >= 0)
                {
                    long result = 1;
                    long baseValue = PythonValues.ToLong(a);
                    for (long i = 0; i < PythonValues.ToLong(b); i++)
                    {
                        result = checked(result * baseValue);
                    }
                    return result;
                }
                return Math.Pow(PythonValues.ToDouble(a), PythonValues.ToDouble(b));
            default:
                throw new ChatTemplateException($"unknown operator '{op}'");
        }
    }

    private static long FloorDivide(long x, long y)
    {
        long q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    public static object? Modulo(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (a is string format)
        {
            return PercentFormat.Apply(format, b);
        }
        RequireNumbers("%", a, b);
        if (BothIntegers(a, b))
        {
            long x = PythonValues.ToLong(a);
            long y = PythonValues.ToLong(b);
            if (y == 0)
            {
                throw new ChatTemplateException("integer division or modulo by zero");
            }
            long r = x % y;
            return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        }
        double dx = PythonValues.ToDouble(a);
        double dy = PythonValues.ToDouble(b);
        if (dy == 0)
        {
            throw new ChatTemplateException("float modulo");
        }
        double m = dx % dy;
        return m != 0 && (m < 0) != (dy < 0) ? m + dy : m;
    }

    public static object? Negate(object? value) => value switch
    {
        long l => (object)(-l),
        bool b => b ? -1L : 0L,
        double d => -d,
        UndefinedValue u => throw u.Error(),
        _ => throw new ChatTemplateException($"bad operand type for unary -: '{PythonValues.TypeName(value)}'"),
    };

    private static object Repeat(object sequence, long times)
    {
        if (sequence is string s)
        {
            var builder = new StringBuilder();
            for (long i = 0; i < times; i++)
            {
                builder.Append(s);
            }
            return builder.ToString();
        }
        var list = (List<object?>)sequence;
        var result = new List<object?>();
        for (long i = 0; i < times; i++)
        {
            result.AddRange(list);
        }
        return result;
    }

    private static bool BothIntegers(object? a, object? b) => a is long or bool && b is long or bool;

    private static void RequireNumbers(string op, object? a, object? b)
    {
        if (!PythonValues.IsNumber(a) || !PythonValues.IsNumber(b))
        {
            throw Unsupported(op, a, b);
        }
    }

    private static void ThrowIfUndefined(object? a, object? b)
    {
        if (a is UndefinedValue ua)
        {
            throw ua.Error();
        }
        if (b is UndefinedValue ub)
        {
            throw ub.Error();
        }
    }

    private static ChatTemplateException Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{PythonValues.TypeName(a)}' and '{PythonValues.TypeName(b)}'");
}
