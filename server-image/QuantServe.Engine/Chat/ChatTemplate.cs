using System.Text.Json.Nodes;

namespace QuantServe.Engine.Chat;

/// <summary>
/// A model's <c>chat_template</c> (tokenizer_config.json), parsed once and rendered for each request
/// the way transformers' <c>apply_chat_template</c> renders it with Python jinja2:
/// trim_blocks and lstrip_blocks on, an immutable sandbox, loop controls, and the globals
/// <c>raise_exception</c>, <c>strftime_now</c>, <c>namespace</c>, <c>range</c>, <c>dict</c>.
/// A parsed template is immutable and may be rendered from many threads at once.
/// </summary>
public sealed class ChatTemplate
{
    private const long MaxRange = 100_000; // jinja2's sandbox limit

    private readonly IReadOnlyList<Statement> _body;

    private ChatTemplate(string source, IReadOnlyList<Statement> body)
    {
        Source = source;
        _body = body;
    }

    public string Source { get; }

    /// <summary>Parses a template; a construct outside the supported subset throws <see cref="ChatTemplateException"/> naming it, its line and column.</summary>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(source, TemplateParser.Parse(source));
    }

    /// <summary>Renders the prompt; a template error (raise_exception, a type error) throws <see cref="ChatTemplateException"/>.</summary>
    public string Render(ChatTemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var globals = new TemplateScope(null);
        var now = context.Now;
        globals.Set("raise_exception", new BuiltinFunction("raise_exception", (arguments, _) =>
            throw new ChatTemplateException(arguments.Count > 0 ? PythonValues.Str(arguments[0]) : "") { RaisedByTemplate = true }));
        globals.Set("strftime_now", new BuiltinFunction("strftime_now", (arguments, _) =>
            Strftime.Format(now ?? DateTimeOffset.Now, arguments.Count > 0 && arguments[0] is string format
                ? format
                : throw new ChatTemplateException("strftime_now() expects a format string"))));
        globals.Set("namespace", new BuiltinFunction("namespace", CreateNamespace));
        globals.Set("range", new BuiltinFunction("range", Range));
        globals.Set("dict", new BuiltinFunction("dict", CreateDict));

        var variables = new TemplateScope(globals);
        var messages = new List<object?>(context.Messages.Count);
        foreach (var message in context.Messages)
        {
            messages.Add(JsonValues.FromJson(message));
        }
        variables.Set("messages", messages);
        variables.Set("add_generation_prompt", context.AddGenerationPrompt);
        // transformers passes tools (and documents) even when absent, as None.
        variables.Set("tools", context.Tools is null ? null : JsonValues.FromJson(context.Tools));
        variables.Set("documents", null);
        if (context.BosToken is not null)
        {
            variables.Set("bos_token", context.BosToken);
        }
        if (context.EosToken is not null)
        {
            variables.Set("eos_token", context.EosToken);
        }
        if (context.Extra is not null)
        {
            foreach (var (name, value) in context.Extra)
            {
                variables.Set(name, JsonValues.FromJson(value));
            }
        }
        try
        {
            return new TemplateRenderer().Render(_body, variables);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidCastException or ArgumentException or OverflowException or IndexOutOfRangeException or FormatException)
        {
            throw new ChatTemplateException($"chat template failed: {e.Message}", e);
        }
    }

    private static object? CreateNamespace(List<object?> arguments, Dictionary<string, object?> keywords)
    {
        var ns = new NamespaceValue();
        foreach (var argument in arguments)
        {
            if (argument is not PythonDict dict)
            {
                throw new ChatTemplateException($"namespace() takes a mapping, not '{PythonValues.TypeName(argument)}'");
            }
            foreach (var (key, value) in dict)
            {
                ns.Attributes[PythonValues.Str(key)] = value;
            }
        }
        foreach (var (key, value) in keywords)
        {
            ns.Attributes[key] = value;
        }
        return ns;
    }

    private static object? CreateDict(List<object?> arguments, Dictionary<string, object?> keywords)
    {
        var dict = new PythonDict();
        if (arguments.Count > 0 && arguments[0] is PythonDict initial)
        {
            foreach (var (key, value) in initial)
            {
                dict[key] = value;
            }
        }
        foreach (var (key, value) in keywords)
        {
            dict[key] = value;
        }
        return dict;
    }

    private static object? Range(List<object?> arguments, Dictionary<string, object?> keywords)
    {
        if (arguments.Count is 0 or > 3 || keywords.Count > 0 || arguments.Any(a => a is not (long or bool)))
        {
            throw new ChatTemplateException("range() expects 1 to 3 integer arguments");
        }
        long start = arguments.Count == 1 ? 0 : PythonValues.ToLong(arguments[0]);
        long stop = PythonValues.ToLong(arguments.Count == 1 ? arguments[0] : arguments[1]);
        long step = arguments.Count == 3 ? PythonValues.ToLong(arguments[2]) : 1;
        if (step == 0)
        {
            throw new ChatTemplateException("range() arg 3 must not be zero");
        }
        var result = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (result.Count >= MaxRange)
            {
                throw new ChatTemplateException($"range too big, maximum size for range is {MaxRange}");
            }
            result.Add(i);
        }
        return result;
    }
}
