using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>Python's semantics for template values: str(), repr(), truth, ==, ordering, type names.</summary>
internal static class PythonValues
{
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        PythonDict => "dict",
        NamespaceValue => "Namespace",
        LoopValue => "LoopContext",
        MacroValue => "Macro",
        BuiltinFunction or BoundMethod => "builtin_function_or_method",
        UndefinedValue => "Undefined",
        _ => value.GetType().Name,
    };

    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        PythonDict dict => dict.Count > 0,
        UndefinedValue => false,
        _ => true,
    };

    /// <summary>Python's str(): what <c>{{ value }}</c> prints (undefined prints nothing).</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        UndefinedValue => "",
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var builder = new StringBuilder();
        AppendRepr(builder, value);
        return builder.ToString();
    }

    private static void AppendRepr(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null: builder.Append("None"); break;
            case bool b: builder.Append(b ? "True" : "False"); break;
            case long l: builder.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: builder.Append(FloatRepr(d)); break;
            case string s: AppendStringRepr(builder, s); break;
            case UndefinedValue: builder.Append(""); break;
            case List<object?> list:
                builder.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }
                    AppendRepr(builder, list[i]);
                }
                builder.Append(']');
                break;
            case object?[] tuple:
                builder.Append('(');
                for (int i = 0; i < tuple.Length; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }
                    AppendRepr(builder, tuple[i]);
                }
                builder.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case PythonDict dict:
                builder.Append('{');
                bool first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first)
                    {
                        builder.Append(", ");
                    }
                    first = false;
                    AppendRepr(builder, key);
                    builder.Append(": ");
                    AppendRepr(builder, item);
                }
                builder.Append('}');
                break;
            case NamespaceValue ns:
                builder.Append("<Namespace {");
                builder.AppendJoin(", ", ns.Attributes.Select(a => $"{Repr(a.Key)}: {Repr(a.Value)}"));
                builder.Append("}>");
                break;
            case MacroValue macro: builder.Append("<Macro '").Append(macro.Name).Append("'>"); break;
            case BuiltinFunction function: builder.Append("<built-in function ").Append(function.Name).Append('>'); break;
            case BoundMethod method: builder.Append("<built-in method ").Append(method.Name).Append(" of ").Append(TypeName(method.Target)).Append(" object>"); break;
            case LoopValue: builder.Append("<LoopContext>"); break;
            default: builder.Append(value); break;
        }
    }

    /// <summary>Python's repr of a str: single quotes unless the text has ' and no ".</summary>
    private static void AppendStringRepr(StringBuilder builder, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        builder.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        builder.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || (c >= 0x7f && c < 0xa0))
                    {
                        builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append(quote);
    }

    /// <summary>Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }
        // Shortest round-trip digits and the decimal exponent.
        string shortest = value.ToString("R", CultureInfo.InvariantCulture);
        bool negative = shortest.StartsWith('-');
        if (negative)
        {
            shortest = shortest[1..];
        }
        int exponentIndex = shortest.IndexOfAny(['E', 'e']);
        string mantissa = exponentIndex >= 0 ? shortest[..exponentIndex] : shortest;
        int exponent = exponentIndex >= 0 ? int.Parse(shortest[(exponentIndex + 1)..], CultureInfo.InvariantCulture) : 0;
        int point = mantissa.IndexOf('.');
        string digits = point >= 0 ? mantissa.Remove(point, 1) : mantissa;
        int pointPosition = (point >= 0 ? point : mantissa.Length) + exponent;
        int leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0');
        pointPosition -= leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        int decimalExponent = pointPosition - 1; // value = 0.d1d2... * 10^pointPosition
        string sign = negative ? "-" : "";
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            string fraction = digits.Length > 1 ? "." + digits[1..] : "";
            return $"{sign}{digits[0]}{fraction}e{(decimalExponent < 0 ? "-" : "+")}{Math.Abs(decimalExponent):00}";
        }
        if (pointPosition <= 0)
        {
            return $"{sign}0.{new string('0', -pointPosition)}{digits}";
        }
        if (pointPosition >= digits.Length)
        {
            return $"{sign}{digits}{new string('0', pointPosition - digits.Length)}.0";
        }
        return $"{sign}{digits[..pointPosition]}.{digits[pointPosition..]}";
    }

    public static bool IsNumber(object? value) => value is bool or long or double;

    public static double ToDouble(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => throw new InvalidOperationException("not a number"),
    };

    public static bool AreEqual(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double)
            {
                return ToDouble(a) == ToDouble(b);
            }
            return ToLong(a) == ToLong(b);
        }
        switch (a)
        {
            case string sa:
                return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case UndefinedValue:
                return b is UndefinedValue;
            case List<object?> la:
                return b is List<object?> lb && SequenceEqual(la, lb);
            case object?[] ta:
                return b is object?[] tb && SequenceEqual(ta, tb);
            case PythonDict da:
                if (b is not PythonDict db || da.Count != db.Count)
                {
                    return false;
                }
                foreach (var (key, value) in da)
                {
                    if (!db.TryGetValue(key, out var other) || !AreEqual(value, other))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return ReferenceEquals(a, b) || a.Equals(b);
        }
    }

    private static bool SequenceEqual(IList<object?> a, IList<object?> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (int i = 0; i < a.Count; i++)
        {
            if (!AreEqual(a[i], b[i]))
            {
                return false;
            }
        }
        return true;
    }

    public static long ToLong(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        _ => throw new InvalidOperationException("not an integer"),
    };

    /// <summary>Python's ordering (&lt;, &gt;...): numbers, strings by code point, sequences element-wise.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string sa && b is string sb)
        {
            return CompareCodePoints(sa, sb);
        }
        if ((a is List<object?> && b is List<object?>) || (a is object?[] && b is object?[]))
        {
            var la = (IList<object?>)a;
            var lb = (IList<object?>)b;
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!AreEqual(la[i], lb[i]))
                {
                    return Compare(la[i], lb[i], op);
                }
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is UndefinedValue ua)
        {
            throw ua.Error();
        }
        if (b is UndefinedValue ub)
        {
            throw ub.Error();
        }
        throw new ChatTemplateException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    private static int CompareCodePoints(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            bool ha = ea.MoveNext();
            bool hb = eb.MoveNext();
            if (!ha || !hb)
            {
                return ha ? 1 : hb ? -1 : 0;
            }
            int c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>The items a for loop or a filter walks: lists, tuples, dict keys, string characters.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        PythonDict dict => dict.Keys.Cast<object?>().ToList(),
        string s => PythonText.CodePoints(s).Cast<object?>().ToList(),
        UndefinedValue => [],
        NamespaceValue => throw new ChatTemplateException("'Namespace' object is not iterable"),
        _ => throw new ChatTemplateException($"'{TypeName(value)}' object is not iterable"),
    };
}
