namespace QuantServe.Engine.Chat;

/// <summary>jinja2's tests (<c>x is defined</c>, <c>x is divisibleby 3</c>...), with its semantics.</summary>
internal static class TemplateTests
{
    private static readonly HashSet<string> Names =
    [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "sameas", "escaped", "lower", "upper", "odd", "even", "divisibleby",
        "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in",
        "filter", "test",
    ];

    public static bool IsKnown(string name) => Names.Contains(name);

    public static bool Apply(string name, object? value, IReadOnlyList<object?> arguments)
    {
        object? Argument(int index) => index < arguments.Count
            ? arguments[index]
            : throw new ChatTemplateException($"test '{name}' expects {index + 1} argument(s)");
        switch (name)
        {
            case "defined": return value is not UndefinedValue;
            case "undefined": return value is UndefinedValue;
            case "none": return value is null;
            case "boolean": return value is bool;
            case "true": return value is true;
            case "false": return value is false;
            case "integer": return value is long;
            case "float": return value is double;
            case "number": return value is bool or long or double;
            case "string": return value is string;
            case "mapping": return value is PythonDict;
            case "iterable": return value is string or List<object?> or object?[] or PythonDict or UndefinedValue;
            case "sequence": return value is string or List<object?> or object?[] or PythonDict or UndefinedValue;
            case "callable": return value is MacroValue or BuiltinFunction or BoundMethod;
            case "sameas":
                var other = Argument(0);
                // Python's identity: None/True/False are singletons; equal literals (interned strings, small ints) are the same object.
                return ReferenceEquals(value, other) || (value?.GetType() == other?.GetType() && value is null or bool or long or string && PythonValues.AreEqual(value, other));
            case "escaped": return false;
            case "lower": var lower = PythonValues.Str(value); return lower.Any(char.IsLetter) && lower == PythonText.Lower(lower);
            case "upper": var upper = PythonValues.Str(value); return upper.Any(char.IsLetter) && upper == PythonText.Upper(upper);
            case "odd": return PythonValues.AreEqual(TemplateOperators.Modulo(RequireNumber(value, name), 2L), 1L);
            case "even": return PythonValues.AreEqual(TemplateOperators.Modulo(RequireNumber(value, name), 2L), 0L);
            case "divisibleby": return PythonValues.AreEqual(TemplateOperators.Modulo(RequireNumber(value, name), Argument(0)), 0L);
            case "eq" or "equalto" or "==": return PythonValues.AreEqual(value, Argument(0));
            case "ne" or "!=": return !PythonValues.AreEqual(value, Argument(0));
            case "lt" or "lessthan" or "<": return PythonValues.Compare(value, Argument(0), "<") < 0;
            case "le" or "<=": return PythonValues.Compare(value, Argument(0), "<=") <= 0;
            case "gt" or "greaterthan" or ">": return PythonValues.Compare(value, Argument(0), ">") > 0;
            case "ge" or ">=": return PythonValues.Compare(value, Argument(0), ">=") >= 0;
            case "in": return TemplateOperators.Contains(Argument(0), value);
            case "filter": return value is string f && TemplateFilters.IsKnown(f);
            case "test": return value is string t && IsKnown(t);
            default: throw new ChatTemplateException($"test '{name}' is not supported");
        }
    }

    private static object? RequireNumber(object? value, string test) => value switch
    {
        UndefinedValue undefined => throw undefined.Error(),
        bool or long or double => value,
        _ => throw new ChatTemplateException($"test '{test}' needs a number, not '{PythonValues.TypeName(value)}'"),
    };
}
