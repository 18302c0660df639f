using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Sampling;
using QuantServe.Engine.Generation.Scheduling;
using QuantServe.Server.Api;
using QuantServe.Server.Http;
using QuantServe.Server.Validation;

namespace QuantServe.Server.Routes;

/// <summary>
/// OpenAI's /v1/chat/completions and /v1/completions (as TGI maps them onto its engine), /chat_tokenize,
/// and SageMaker's /invocations, which picks the route from the body's shape.
/// </summary>
public static class OpenAiRoutes
{
    public static void Map(WebApplication app, ServingModel serving, GenerationRunner runner)
    {
        app.MapPost("/v1/chat/completions", async context =>
            await ChatAsync(context, serving, runner, await ReadObjectAsync(context)));
        app.MapPost("/v1/completions", async context =>
            await CompletionsAsync(context, serving, runner, await ReadObjectAsync(context)));
        app.MapPost("/chat_tokenize", async context =>
        {
            var body = await ReadObjectAsync(context);
            var prompt = RenderChat(serving, body);
            var tokens = TgiRoutes.Tokenize(serving, prompt);
            await JsonWire.WriteAsync(context.Response, 200, new JsonObject { ["tokenize_response"] = tokens, ["templated_text"] = prompt });
        });
        app.MapPost("/invocations", async context =>
        {
            context.Request.EnableBuffering();
            var body = await ReadObjectAsync(context);
            if (body.ContainsKey("messages"))
                await ChatAsync(context, serving, runner, body);
            else if (body.ContainsKey("prompt"))
                await CompletionsAsync(context, serving, runner, body);
            else
            {
                context.Request.Body.Position = 0;
                await TgiRoutes.CompatAsync(serving, runner)(context);
            }
        });
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await JsonWire.ReadNodeAsync(context.Request, context.RequestAborted) as JsonObject
        ?? throw ApiError.Validation("the request body must be a JSON object");

    private static Task ChatAsync(HttpContext context, ServingModel serving, GenerationRunner runner, JsonObject body) =>
        RequestScope.RunAsync(serving, context, async scope =>
        {
            var prompt = RenderChat(serving, body);
            bool stream = Bool(body, "stream") ?? false;
            var parameters = SharedParameters(body);
            parameters.MaxNewTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens");
            if (Bool(body, "logprobs") == true)
            {
                parameters.Details = true;
                parameters.TopNTokens = Int(body, "top_logprobs") ?? 0;
            }
            if (body["response_format"] is JsonObject format && format["type"]?.ToString() is not (null or "text"))
                throw ApiError.Validation("Grammar and constraint generation is not supported by this model");
            if (body["tools"] is JsonArray { Count: > 0 } && body["tool_choice"]?.ToString() is not "none")
                throw ApiError.Validation("Tool calling needs constrained generation, which is not supported by this model; send tool_choice \"none\" or no tools");
            var request = serving.Validator.Validate(prompt, parameters, stream, addSpecialTokens: false);
            bool logprobs = Bool(body, "logprobs") == true;
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (!stream)
            {
                var completed = await runner.RunAsync(request, context.RequestAborted);
                var r = completed.Best;
                scope.Succeeded();
                await JsonWire.WriteAsync(context.Response, 200, new JsonObject
                {
                    ["object"] = "chat.completion",
                    ["id"] = "",
                    ["created"] = created,
                    ["model"] = serving.Options.ModelId,
                    ["system_fingerprint"] = Fingerprint,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = r.GeneratedText },
                        ["logprobs"] = logprobs ? ChatLogprobs(r.Tokens) : null,
                        ["finish_reason"] = OpenAiFinishReason(r.FinishReason),
                    }),
                    ["usage"] = Usage(r.PromptTokens, r.Tokens.Count),
                });
                return;
            }

            bool includeUsage = body["stream_options"] is JsonObject o && Bool(o, "include_usage") == true;
            var events = new ServerSentEvents(context.Response);
            JsonObject Chunk(JsonObject? delta, string? finish, JsonNode? lp) => new()
            {
                ["object"] = "chat.completion.chunk",
                ["id"] = "",
                ["created"] = created,
                ["model"] = serving.Options.ModelId,
                ["system_fingerprint"] = Fingerprint,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = delta ?? new JsonObject(),
                    ["logprobs"] = lp,
                    ["finish_reason"] = finish,
                }),
                ["usage"] = null,
            };
            await foreach (var e in runner.StreamAsync(request.Generation, context.RequestAborted))
            {
                if (e is GenerationEvent.Token t)
                {
                    var lp = logprobs ? ChatLogprobs([t.Value]) : null;
                    await events.SendAsync(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = t.Value.Text }, null, lp), context.RequestAborted);
                }
                else if (e is GenerationEvent.Finished f)
                {
                    await events.SendAsync(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, OpenAiFinishReason(f.Result.FinishReason), null), context.RequestAborted);
                    if (includeUsage)
                    {
                        await events.SendAsync(new JsonObject
                        {
                            ["object"] = "chat.completion.chunk", ["id"] = "", ["created"] = created, ["model"] = serving.Options.ModelId,
                            ["system_fingerprint"] = Fingerprint, ["choices"] = new JsonArray(), ["usage"] = Usage(f.Result.PromptTokens, f.Result.Tokens.Count),
                        }, context.RequestAborted);
                    }
                    await events.SendRawAsync("[DONE]", context.RequestAborted);
                    scope.Succeeded();
                    return;
                }
            }
        });

    private static Task CompletionsAsync(HttpContext context, ServingModel serving, GenerationRunner runner, JsonObject body) =>
        RequestScope.RunAsync(serving, context, async scope =>
        {
            var prompts = body["prompt"] switch
            {
                JsonValue v when v.TryGetValue(out string? s) => [s],
                JsonArray a => a.Select(p => p is JsonValue pv && pv.TryGetValue(out string? ps) ? ps : throw ApiError.Validation("`prompt` must be a string or a list of strings")).ToList(),
                _ => throw ApiError.Validation("`prompt` must be a string or a list of strings"),
            };
            if (prompts.Count == 0)
                throw ApiError.Validation("`prompt` cannot be empty");
            if (prompts.Count > serving.Options.MaxClientBatchSize)
                throw ApiError.Validation($"Number of prompts exceeds the maximum allowed batch size of {serving.Options.MaxClientBatchSize}");
            if (body["suffix"] is JsonValue suffix && suffix.ToString().Length > 0)
                throw ApiError.Validation("`suffix` is not supported by this server");
            bool stream = Bool(body, "stream") ?? false;
            var parameters = SharedParameters(body);
            parameters.MaxNewTokens = Int(body, "max_tokens");
            parameters.RepetitionPenalty = Float(body, "repetition_penalty");
            var requests = prompts.Select(p => serving.Validator.Validate(p, parameters, stream)).ToList();
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            JsonObject Envelope(JsonArray choices, JsonNode? usage) => new()
            {
                ["id"] = "",
                ["object"] = "text_completion",
                ["created"] = created,
                ["model"] = serving.Options.ModelId,
                ["system_fingerprint"] = Fingerprint,
                ["choices"] = choices,
                ["usage"] = usage,
            };
            if (!stream)
            {
                var results = await Task.WhenAll(requests.Select(r => runner.RunAsync(r, context.RequestAborted)));
                scope.Succeeded();
                await JsonWire.WriteAsync(context.Response, 200, Envelope(
                    new JsonArray(results.Select((c, i) => (JsonNode)new JsonObject
                    {
                        ["index"] = i,
                        ["text"] = c.Best.GeneratedText,
                        ["logprobs"] = null,
                        ["finish_reason"] = OpenAiFinishReason(c.Best.FinishReason),
                    }).ToArray()),
                    Usage(results.Sum(c => c.Best.PromptTokens), results.Sum(c => c.Best.Tokens.Count))));
                return;
            }
            var events = new ServerSentEvents(context.Response);
            for (int i = 0; i < requests.Count; i++)
            {
                await foreach (var e in runner.StreamAsync(requests[i].Generation, context.RequestAborted))
                {
                    var (text, finish) = e switch
                    {
                        GenerationEvent.Token t => (t.Value.Text, (string?)null),
                        GenerationEvent.Finished f => ("", OpenAiFinishReason(f.Result.FinishReason)),
                        _ => ("", null),
                    };
                    await events.SendAsync(Envelope(new JsonArray(new JsonObject
                    {
                        ["index"] = i, ["text"] = text, ["logprobs"] = null, ["finish_reason"] = finish,
                    }), null), context.RequestAborted);
                }
            }
            await events.SendRawAsync("[DONE]", context.RequestAborted);
            scope.Succeeded();
        });

    /// <summary>The templated prompt of a chat request (422 when the model has no template or it fails).</summary>
    public static string RenderChat(ServingModel serving, JsonObject body)
    {
        if (body["messages"] is not JsonArray messages || messages.Count == 0)
            throw ApiError.Validation("`messages` must be a non-empty list");
        var tools = body["tools"] as JsonArray;
        return serving.Chat.Render(messages, tools, addGenerationPrompt: true);
    }

    // Sampling options common to both OpenAI routes, mapped as TGI maps them.
    private static GenerateParameters SharedParameters(JsonObject body)
    {
        if (Int(body, "n") is int n && n != 1)
            throw ApiError.Validation("`n` > 1 is not supported: send one request per completion");
        if (Float(body, "presence_penalty") is float presence && presence != 0)
            throw ApiError.Validation("`presence_penalty` is not supported by this server; use `frequency_penalty`");
        if (body["logit_bias"] is JsonObject { Count: > 0 })
            throw ApiError.Validation("`logit_bias` is not supported by this server");
        float? temperature = Float(body, "temperature");
        // OpenAI's temperature 0 means greedy; TGI samples whenever it is not 0.
        bool greedy = temperature == 0;
        float? topP = Float(body, "top_p");
        return new GenerateParameters
        {
            DoSample = !greedy,
            Temperature = greedy ? null : temperature,
            TopP = topP >= 1f ? null : topP,
            FrequencyPenalty = Float(body, "frequency_penalty"),
            Seed = body["seed"] is JsonValue seed && seed.TryGetValue(out long s) ? (s >= 0 ? (ulong)s : throw ApiError.Validation("`seed` must not be negative")) : null,
            Stop = body["stop"] switch
            {
                null => null,
                JsonValue v when v.TryGetValue(out string? one) => [one],
                JsonArray a => a.Select(x => x?.ToString() ?? throw ApiError.Validation("`stop` entries must be strings")).ToList(),
                _ => throw ApiError.Validation("`stop` must be a string or a list of strings"),
            },
        };
    }

    private static JsonObject ChatLogprobs(IEnumerable<GeneratedToken> tokens) => new()
    {
        ["content"] = new JsonArray(tokens.Select(t => (JsonNode)new JsonObject
        {
            ["token"] = t.Text,
            ["logprob"] = JsonWire.Number(t.Logprob),
            ["top_logprobs"] = new JsonArray((t.TopTokens ?? []).Select(top => (JsonNode)new JsonObject
            {
                ["token"] = top.Text,
                ["logprob"] = JsonWire.Number(top.Logprob),
            }).ToArray()),
        }).ToArray()),
    };

    private static JsonObject Usage(int prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };

    private static string OpenAiFinishReason(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    private static string Fingerprint => InfoRoutes.Version + "-native";

    private static bool? Bool(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw ApiError.Validation($"`{key}` must be a boolean"),
    };

    private static int? Int(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int i) => i,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        _ => throw ApiError.Validation($"`{key}` must be an integer"),
    };

    private static float? Float(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => (float)v.GetValue<double>(),
        _ => throw ApiError.Validation($"`{key}` must be a number"),
    };
}
