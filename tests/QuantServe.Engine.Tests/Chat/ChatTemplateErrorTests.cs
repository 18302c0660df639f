using QuantServe.Engine.Chat;

namespace QuantServe.Engine.Tests.Chat;

/// <summary>Render-time and parse-time failures: the messages are Python jinja2's where it has one.</summary>
public sealed class ChatTemplateErrorTests
{
    private const string Variables = """{"xs": [3, 1, 2], "d": {"b": 2, "a": 1}}""";

    [Theory]
    [InlineData("{{ missing.attr }}", "'missing' is undefined")]
    [InlineData("{{ d.missing.x }}", "'dict object' has no attribute 'missing'")]
    [InlineData("{{ missing + 1 }}", "'missing' is undefined")]
    [InlineData("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ xs.append(4) }}", "access to attribute 'append' of 'list' object is unsafe.")]
    [InlineData("{{ d.update({}) }}", "access to attribute 'update' of 'dict' object is unsafe.")]
    [InlineData("{{ 1 < 'a' }}", "'<' not supported between instances of 'int' and 'str'")]
    [InlineData("{{ missing() }}", "'missing' is undefined")]
    [InlineData("{{ xs[5].x }}", "list object has no element 5")]
    [InlineData("{{ 1 // 0 }}", "integer division or modulo by zero")]
    [InlineData("{% set x = 1 %}{% set x.y = 2 %}", "cannot assign attribute on non-namespace object")]
    [InlineData("{{ 5 | length }}", "object of type 'int' has no len()")]
    [InlineData("{{ messages[0]['role'] }}", "list object has no element 0")]
    public void TemplateError_ThrowsWithPythonsMessageAndTheLine(string source, string message)
    {
        var render = () => ChatTemplateLanguageTests.Render("\n" + source, Variables);
        render.Should().Throw<ChatTemplateException>()
            .Where(e => !e.RaisedByTemplate)
            .WithMessage($"{message} (chat template line 2)");
    }

    [Fact]
    public void RaiseException_ThrowsTheTemplatesMessageExactly()
    {
        var template = ChatTemplate.Parse("{% if messages | length == 0 %}{{ raise_exception('No messages: \"' ~ 42 ~ '\"') }}{% endif %}ok");
        var render = () => template.Render(new ChatTemplateContext([]));
        render.Should().Throw<ChatTemplateException>().Where(e => e.RaisedByTemplate).WithMessage("No messages: \"42\"");
        template.Render(new ChatTemplateContext([ChatTemplateContext.Message("user", "hi")])).Should().Be("ok");
    }

    [Theory]
    [InlineData("{% include 'x' %}", "'{% include %}' is not supported in chat templates", 1, 4)]
    [InlineData("a\n  {% extends 'b' %}", "'{% extends %}' is not supported in chat templates", 2, 6)]
    [InlineData("{{ x | frobnicate }}", "filter 'frobnicate' is not supported", 1, 8)]
    [InlineData("{{ x is frob }}", "test 'frob' is not supported", 1, 9)]
    [InlineData("{% for x in y recursive %}{% endfor %}", "recursive for loops are not supported in chat templates", 1, 15)]
    [InlineData("{% if x %}", "unexpected end of template, expected '{% elif %}' or '{% else %}' or '{% endif %}'", 1, 11)]
    [InlineData("{{ x", "unclosed '{{', '}}' is missing", 1, 1)]
    [InlineData("{% endif %}", "unknown statement '{% endif %}'", 1, 4)]
    [InlineData("{{ 'abc }}", "unterminated string", 1, 4)]
    [InlineData("{% set %}", "expected a name, found '%}'", 1, 8)]
    [InlineData("x {# never closed", "unclosed comment, '#}' is missing", 1, 3)]
    [InlineData("{{ f(*args) }}", "'*args' and '**kwargs' in calls are not supported in chat templates", 1, 6)]
    public void UnsupportedOrBrokenSyntax_FailsAtParseNamingTheConstructAndPosition(string source, string problem, int line, int column)
    {
        var parse = () => ChatTemplate.Parse(source);
        parse.Should().Throw<ChatTemplateException>()
            .WithMessage($"Chat template syntax error at line {line}, column {column}: {problem}.");
    }
}
