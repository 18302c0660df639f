using System.Text.Json;

namespace QuantServe.Engine.Tokenization;

/// <summary>The fields of tokenizer_config.json the engine uses.</summary>
internal sealed record TokenizerConfig(
    bool HasBosToken,
    string? BosToken,
    string? EosToken,
    bool? AddBosToken,
    string? ChatTemplate)
{
    public static readonly TokenizerConfig Empty = new(false, null, null, null, null);

    public static TokenizerConfig Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: expected a JSON object at the top level, found {root.ValueKind}");
            }
            bool hasBos = root.TryGetProperty("bos_token", out var bos);
            return new TokenizerConfig(
                hasBos,
                hasBos ? TokenContent(bos, source, "bos_token") : null,
                root.TryGetProperty("eos_token", out var eos) ? TokenContent(eos, source, "eos_token") : null,
                root.TryGetProperty("add_bos_token", out var addBos) && addBos.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? addBos.GetBoolean()
                    : null,
                root.TryGetProperty("chat_template", out var template) ? ChatTemplateText(template, source) : null);
        }
    }

    /// <summary>A special token is written as a string or as an AddedToken object with "content".</summary>
    private static string? TokenContent(JsonElement element, string source, string field) => element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Object when element.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            => content.GetString(),
        _ => throw new InvalidDataException($"{source}: \"{field}\" must be a string or an object with \"content\", found {element.GetRawText()}"),
    };

    /// <summary>chat_template is a string, or a list of {name, template} of which "default" is used.</summary>
    private static string? ChatTemplateText(JsonElement element, string source)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Array:
                foreach (var entry in element.EnumerateArray())
                {
                    if (entry.ValueKind == JsonValueKind.Object
                        && entry.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == "default"
                        && entry.TryGetProperty("template", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        return text.GetString();
                    }
                }
                return null;
            default:
                throw new InvalidDataException($"{source}: \"chat_template\" must be a string or a list of {{\"name\", \"template\"}}, found {element.ValueKind}");
        }
    }
}
