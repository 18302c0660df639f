using System.Text.Json.Nodes;
using QuantServe.Engine.Chat;
using QuantServe.Engine.Tokenization;
using QuantServe.Server.Api;

namespace QuantServe.Server;

/// <summary>
/// Renders chat messages into the model's prompt with its `chat_template` (parsed once at start).
/// A model without a template, or a template that raises, is a 422 naming the reason.
/// </summary>
public sealed class ChatPrompts
{
    private readonly ChatTemplate? _template;
    private readonly string? _parseError;
    private readonly Tokenizer _tokenizer;

    public ChatPrompts(Tokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        if (tokenizer.ChatTemplate is not { Length: > 0 } source)
            return;
        try
        {
            _template = ChatTemplate.Parse(source);
        }
        catch (ChatTemplateException e)
        {
            _parseError = e.Message;
        }
    }

    public string Render(JsonArray messages, JsonArray? tools, bool addGenerationPrompt)
    {
        if (_template is null)
            throw ApiError.Validation(_parseError is null
                ? "This model has no chat template (tokenizer_config.json has no chat_template): use /generate or /v1/completions"
                : $"The model's chat template is not supported: {_parseError}");
        try
        {
            var list = messages.Select(m => m as JsonObject ?? throw ApiError.Validation("every message must be an object with `role` and `content`")).ToList();
            return _template.Render(new ChatTemplateContext(list)
            {
                AddGenerationPrompt = addGenerationPrompt,
                BosToken = _tokenizer.BosToken,
                EosToken = _tokenizer.EosToken,
                Tools = tools,
            });
        }
        catch (ChatTemplateException e)
        {
            throw ApiError.Validation(e.Message);
        }
    }
}
