using System.Text.Json.Nodes;

namespace QuantServe.Engine.Chat;

// Values a template works with, modelled on Python's: null is None, bool, long (int), double
// (float), string, List<object?> (list), object?[] (tuple), PythonDict (dict), and the types below.

/// <summary>A dict that keeps insertion order, like Python's.</summary>
internal sealed class PythonDict : OrderedDictionary<object, object?>
{
    public PythonDict()
        : base(PythonKeyComparer.Instance)
    {
    }
}

/// <summary>Dict keys compare as Python's do: 1 == 1.0 == True, strings ordinally.</summary>
internal sealed class PythonKeyComparer : IEqualityComparer<object>
{
    public static readonly PythonKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => PythonValues.AreEqual(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
        string s => StringComparer.Ordinal.GetHashCode(s),
        _ => obj.GetHashCode(),
    };
}

/// <summary>jinja2's default Undefined: prints as "", is falsy, iterates as empty; anything else raises.</summary>
internal sealed class UndefinedValue(string message)
{
    public string Message { get; } = message;

    public ChatTemplateException Error() => new(Message);

    public static UndefinedValue Variable(string name) => new($"'{name}' is undefined");

    public static UndefinedValue Attribute(object? target, string name) =>
        new($"'{PythonValues.TypeName(target)} object' has no attribute '{name}'");

    public static UndefinedValue Element(object? target, object? key) =>
        new($"{PythonValues.TypeName(target)} object has no element {PythonValues.Repr(key)}");
}

/// <summary>What <c>namespace(...)</c> returns: the one object whose attributes a template may assign.</summary>
internal sealed class NamespaceValue
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>A callable provided by the environment (raise_exception, range, namespace...).</summary>
internal sealed class BuiltinFunction(string name, Func<List<object?>, Dictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(List<object?> arguments, Dictionary<string, object?> keywords) => invoke(arguments, keywords);
}

/// <summary>A method looked up on a value, e.g. <c>content.strip</c>, called later.</summary>
internal sealed record BoundMethod(object Target, string Name);

/// <summary>A macro with the scope it was defined in.</summary>
internal sealed class MacroValue(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Statement> body, TemplateScope closure)
{
    public string Name { get; } = name;

    public IReadOnlyList<MacroParameter> Parameters { get; } = parameters;

    public IReadOnlyList<Statement> Body { get; } = body;

    public TemplateScope Closure { get; } = closure;
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class LoopValue(IReadOnlyList<object?> items)
{
    public IReadOnlyList<object?> Items { get; } = items;

    public int Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(Items.Count - Index0),
        "revindex0" => (long)(Items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Items.Count - 1,
        "length" => (long)Items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? Items[Index0 - 1] : new UndefinedValue("there is no previous item"),
        "nextitem" => Index0 < Items.Count - 1 ? Items[Index0 + 1] : new UndefinedValue("there is no next item"),
        "cycle" => new BuiltinFunction("loop.cycle", (arguments, _) =>
            arguments.Count == 0 ? throw new ChatTemplateException("no items for cycling given") : arguments[Index0 % arguments.Count]),
        _ => UndefinedValue.Attribute(this, name),
    };
}

/// <summary>Variables visible at one point of a template; a for loop or macro call opens a child.</summary>
internal sealed class TemplateScope(TemplateScope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public TemplateScope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;
}

/// <summary>Converts request JSON into template values, as json.loads would in Python.</summary>
internal static class JsonValues
{
    public static object? FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var dict = new PythonDict();
                foreach (var (key, value) in obj)
                {
                    dict[key] = FromJson(value);
                }
                return dict;
            case JsonArray array:
                var list = new List<object?>(array.Count);
                foreach (var item in array)
                {
                    list.Add(FromJson(item));
                }
                return list;
            default:
                var jsonValue = node.AsValue();
                switch (jsonValue.GetValueKind())
                {
                    case System.Text.Json.JsonValueKind.String:
                        return jsonValue.GetValue<string>();
                    case System.Text.Json.JsonValueKind.True:
                        return true;
                    case System.Text.Json.JsonValueKind.False:
                        return false;
                    case System.Text.Json.JsonValueKind.Null:
                        return null;
                    case System.Text.Json.JsonValueKind.Number:
                        if (jsonValue.TryGetValue(out long integer))
                        {
                            return integer;
                        }
                        if (jsonValue.TryGetValue(out int small))
                        {
                            return (long)small;
                        }
                        return jsonValue.TryGetValue(out double real) ? real : (object)Convert.ToDouble(jsonValue.GetValue<decimal>());
                    default:
                        throw new ChatTemplateException($"unsupported JSON value {node.ToJsonString()}");
                }
        }
    }
}
