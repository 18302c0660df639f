using QuantServe.Engine.Chat;

namespace QuantServe.Engine.Tests.Chat;

/// <summary>
/// A template from a model repository or a request is untrusted input: whatever its text, parsing and
/// rendering either succeed or throw <see cref="ChatTemplateException"/> (a 422), never anything else.
/// </summary>
public sealed class ChatTemplateFuzzTests
{
    private static readonly string[] Fragments =
    [
        "{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "'", "\"", "\\", "(", ")", "[", "]", "{", "}", ":", ",", ".", "|", "~",
        " if ", " else ", " for ", " in ", " not ", " is ", " and ", " or ", "endif", "endfor", "set", "macro", "loop.", "ns.",
        "messages", "[0]", "[::-1]", "[-1:]", "| trim", "| tojson(indent=2)", "| length", "| items", "| map(attribute='x')",
        ".strip()", ".split(", "raise_exception(", "namespace(", "1", "-1", "0", "2.5", "none", "true", "//", "%", "**", "\n", "  ",
    ];

    [Fact]
    public void MutatedRealTemplates_ParseAndRenderOrThrowChatTemplateExceptionOnly()
    {
        var random = new Random(20261204);
        var conversation = ChatTemplateReference.Conversations.Single(c => c!["name"]!.GetValue<string>() == "tool-call-and-response")!;
        int parsed = 0;
        int rendered = 0;
        foreach (string name in ChatTemplateReference.TemplateNames)
        {
            var (source, bos, eos) = ChatTemplateReference.Template(name);
            var context = ChatTemplateReference.Context(conversation, addGenerationPrompt: true, bos, eos);
            for (int round = 0; round < 300; round++)
            {
                string mutated = Mutate(source, random);
                ChatTemplate template;
                try
                {
                    template = ChatTemplate.Parse(mutated);
                    parsed++;
                }
                catch (ChatTemplateException)
                {
                    continue;
                }
                catch (Exception e)
                {
                    throw new Xunit.Sdk.XunitException($"Parse threw {e.GetType().Name} for:\n{mutated}\n{e}");
                }
                try
                {
                    template.Render(context);
                    rendered++;
                }
                catch (ChatTemplateException e) when (!e.Message.StartsWith("chat template failed:", StringComparison.Ordinal))
                {
                }
                catch (Exception e)
                {
                    throw new Xunit.Sdk.XunitException($"Render threw {e.GetType().Name} for:\n{mutated}\n{e}");
                }
            }
        }
        parsed.Should().BeGreaterThan(100, "the mutations should leave many templates parseable");
        rendered.Should().BeGreaterThan(50);
    }

    private static string Mutate(string source, Random random)
    {
        var text = source;
        int edits = random.Next(1, 4);
        for (int i = 0; i < edits; i++)
        {
            int at = random.Next(text.Length + 1);
            switch (random.Next(3))
            {
                case 0:
                    text = text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 1:
                    int length = Math.Min(random.Next(1, 6), text.Length - at);
                    text = length > 0 ? text.Remove(at, length) : text;
                    break;
                default:
                    int from = random.Next(text.Length);
                    int count = Math.Min(random.Next(1, 12), text.Length - from);
                    text = text.Insert(at, text.Substring(from, count));
                    break;
            }
        }
        return text;
    }
}
