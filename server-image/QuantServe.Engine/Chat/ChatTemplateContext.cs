using System.Text.Json.Nodes;

namespace QuantServe.Engine.Chat;

/// <summary>
/// What a chat template sees, as transformers' <c>apply_chat_template</c> passes it: <c>messages</c>
/// (each message is the request's JSON object, so fields such as <c>tool_calls</c>,
/// <c>reasoning_content</c> or list-valued <c>content</c> reach the template unchanged),
/// <c>add_generation_prompt</c>, <c>tools</c> (none when absent), <c>bos_token</c>/<c>eos_token</c>
/// (undefined when null) and any <see cref="Extra"/> variable (e.g. <c>enable_thinking</c>,
/// <c>date_string</c>), which may also override the others.
/// </summary>
public sealed record ChatTemplateContext(IReadOnlyList<JsonObject> Messages)
{
    public bool AddGenerationPrompt { get; init; }

    public string? BosToken { get; init; }

    public string? EosToken { get; init; }

    public JsonArray? Tools { get; init; }

    public IReadOnlyDictionary<string, JsonNode?>? Extra { get; init; }

    /// <summary>The time <c>strftime_now</c> formats; the local clock when null.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>A message object <c>{"role": role, "content": content}</c>.</summary>
    public static JsonObject Message(string role, string content) => new() { ["role"] = role, ["content"] = content };
}
