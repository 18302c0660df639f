using System.Text.Json.Nodes;
using QuantServe.Engine.Chat;

namespace QuantServe.Engine.Tests.Chat;

/// <summary>The public API: context variables as transformers passes them, parse once and render many.</summary>
public sealed class ChatTemplateTests
{
    [Fact]
    public void Context_PassesMessagesAsDictsWithAllTheirFields()
    {
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject { ["function"] = new JsonObject { ["name"] = "f", ["arguments"] = new JsonObject { ["x"] = 1.0 } } }),
        };
        var template = ChatTemplate.Parse("{% for m in messages %}{{ m.role }}|{{ m.content }}|{{ m.tool_calls[0].function.arguments | tojson }}|{{ m.name is defined }}{% endfor %}");
        template.Render(new ChatTemplateContext([message])).Should().Be("assistant|None|{\"x\": 1.0}|False");
    }

    [Fact]
    public void Context_ToolsAreNoneWhenAbsentAndSpecialTokensUndefinedWhenNull()
    {
        var template = ChatTemplate.Parse("{{ tools is none }},{{ bos_token is defined }},{{ eos_token }},{{ add_generation_prompt }}");
        template.Render(new ChatTemplateContext([]) { EosToken = "</s>", AddGenerationPrompt = true }).Should().Be("True,False,</s>,True");
        template.Render(new ChatTemplateContext([]) { Tools = [new JsonObject()] }).Should().StartWith("False,");
    }

    [Fact]
    public void Extra_VariablesReachTheTemplateAndOverrideTheOthers()
    {
        var template = ChatTemplate.Parse("{{ enable_thinking is false }}/{{ date_string }}/{{ add_generation_prompt }}");
        var extra = new Dictionary<string, JsonNode?> { ["enable_thinking"] = false, ["date_string"] = "04 Dec 2026", ["add_generation_prompt"] = "x" };
        template.Render(new ChatTemplateContext([]) { Extra = extra }).Should().Be("True/04 Dec 2026/x");
    }

    [Theory]
    [InlineData("%d %b %Y", "07 Mar 2026")]
    [InlineData("%Y-%m-%d %H:%M:%S", "2026-03-07 09:05:03")]
    [InlineData("%A %B %-d, %I %p %j %%", "Saturday March 7, 09 AM 066 %")]
    public void StrftimeNow_FormatsTheContextsClockLikePython(string format, string expected)
    {
        var now = new DateTimeOffset(2026, 3, 7, 9, 5, 3, TimeSpan.Zero);
        var template = ChatTemplate.Parse("{{ strftime_now(fmt) }}");
        template.Render(new ChatTemplateContext([]) { Now = now, Extra = new Dictionary<string, JsonNode?> { ["fmt"] = format } }).Should().Be(expected);
    }

    [Fact]
    public void ParsedTemplate_RendersManyContextsConcurrentlyWithoutSharingState()
    {
        var template = ChatTemplate.Parse("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + m.content | int %}{% endfor %}{{ ns.n }}");
        var results = Enumerable.Range(0, 64).AsParallel().Select(i =>
            template.Render(new ChatTemplateContext(Enumerable.Range(0, i).Select(j => ChatTemplateContext.Message("user", j.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList()))).ToList();
        results.Should().Equal(Enumerable.Range(0, 64).Select(i => (i * (i - 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void GenerationTag_OfTransformersRendersItsBodyAsIs()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}");
        template.Render(new ChatTemplateContext([ChatTemplateContext.Message("assistant", "a"), ChatTemplateContext.Message("assistant", "b")])).Should().Be("[a][b]");
    }

    [Fact]
    public void Source_IsKeptForCaching()
    {
        ChatTemplate.Parse("{{ 1 }}").Source.Should().Be("{{ 1 }}");
    }

    [Fact]
    public void DeepMacroRecursion_FailsCleanlyInsteadOfOverflowingTheStack()
    {
        var render = () => ChatTemplate.Parse("{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}").Render(new ChatTemplateContext([]));
        render.Should().Throw<ChatTemplateException>().WithMessage("macro 'r' recursed more than 64 levels*");
    }
}
