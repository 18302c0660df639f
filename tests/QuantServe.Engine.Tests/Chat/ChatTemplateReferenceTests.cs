using System.Text.Json.Nodes;
using QuantServe.Engine.Chat;

namespace QuantServe.Engine.Tests.Chat;

/// <summary>Every real chat template renders every conversation of the corpus exactly as Hugging Face does.</summary>
public sealed class ChatTemplateReferenceTests
{
    public static TheoryData<string> Templates => new(ChatTemplateReference.TemplateNames);

    [Theory]
    [MemberData(nameof(Templates))]
    public void RealTemplate_RendersTheCorpusLikeHuggingFace(string templateName)
    {
        var (source, bos, eos) = ChatTemplateReference.Template(templateName);
        var template = ChatTemplate.Parse(source);
        var mismatches = new List<string>();
        int compared = 0;
        foreach (var conversation in ChatTemplateReference.Conversations)
        {
            string conversationName = conversation!["name"]!.GetValue<string>();
            foreach (bool addGenerationPrompt in new[] { false, true })
            {
                var expected = ChatTemplateReference.PythonOverride(templateName, conversationName, addGenerationPrompt)
                    ?? ChatTemplateReference.HuggingFace(templateName, conversationName, addGenerationPrompt);
                string actual = Outcome(template, ChatTemplateReference.Context(conversation, addGenerationPrompt, bos, eos), out bool failed, out bool raised);
                compared++;
                string label = $"{templateName} / {conversationName} / add_generation_prompt={addGenerationPrompt}";
                if (expected["output"] is JsonNode output)
                {
                    if (failed || actual != output.GetValue<string>())
                    {
                        mismatches.Add($"{label}:\n  expected {Show(output.GetValue<string>())}\n  actual   {(failed ? "error " : "")}{Show(actual)}");
                    }
                }
                else if (expected["raised"] is JsonNode message)
                {
                    if (!raised || actual != message.GetValue<string>())
                    {
                        mismatches.Add($"{label}: expected raise_exception({Show(message.GetValue<string>())}), got {(failed ? "error " : "output ")}{Show(actual)}");
                    }
                }
                else if (!failed || raised)
                {
                    mismatches.Add($"{label}: expected an error ({expected["error"]}), got {(raised ? "raise_exception " : "output ")}{Show(actual)}");
                }
            }
        }
        compared.Should().BeGreaterThan(0);
        mismatches.Should().BeEmpty();
    }

    [Fact]
    public void PythonOverrides_AreCasesWhereHuggingFaceJinjaReallyDiffers()
    {
        // python-overrides.json documents each difference; once @huggingface/jinja agrees with Python
        // the override is stale and must go.
        ChatTemplateReference.Overrides.Should().NotBeEmpty();
        foreach (var entry in ChatTemplateReference.Overrides)
        {
            var python = entry!.AsObject();
            var node = ChatTemplateReference.HuggingFace(python["template"]!.GetValue<string>(), python["conversation"]!.GetValue<string>(), python["add_generation_prompt"]!.GetValue<bool>());
            string Kind(JsonObject r) => r.ContainsKey("output") ? "output:" + r["output"] : r.ContainsKey("raised") ? "raised:" + r["raised"] : "error";
            Kind(node).Should().NotBe(Kind(python), $"{python["template"]}/{python["conversation"]} is listed as a difference");
        }
    }

    private static string Outcome(ChatTemplate template, ChatTemplateContext context, out bool failed, out bool raised)
    {
        try
        {
            failed = raised = false;
            return template.Render(context);
        }
        catch (ChatTemplateException e)
        {
            failed = true;
            raised = e.RaisedByTemplate;
            return e.Message;
        }
    }

    private static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
