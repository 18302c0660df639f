using System.Text.Json.Nodes;
using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Sampling;
using QuantServe.Server.Http;
using QuantServe.Server.Validation;

namespace QuantServe.Server.Api;

/// <summary>TGI's response bodies (router/src/lib.rs GenerateResponse, Details, StreamResponse), built from engine results.</summary>
public static class TgiResponses
{
    public static JsonObject Token(GeneratedToken t) => new()
    {
        ["id"] = t.Id,
        ["text"] = t.Text,
        ["logprob"] = JsonWire.Number(t.Logprob),
        ["special"] = t.Special,
    };

    public static JsonArray TopTokens(GeneratedToken t) => new((t.TopTokens ?? []).Select(top => (JsonNode)new JsonObject
    {
        ["id"] = top.Id,
        ["text"] = top.Text,
        ["logprob"] = JsonWire.Number(top.Logprob),
        ["special"] = top.Special,
    }).ToArray());

    /// <summary>TGI reports the seed only for sampled requests.</summary>
    public static JsonNode? Seed(GenerationResult result, ValidRequest request) =>
        request.Generation.Sampling.IsSampling ? JsonValue.Create(result.Seed) : null;

    public static string FullText(GenerationResult result, ValidRequest request) =>
        request.ReturnFullText ? request.Inputs + result.GeneratedText : result.GeneratedText;

    public static JsonObject Generate(CompletedGeneration completed, ValidRequest request)
    {
        var response = new JsonObject { ["generated_text"] = FullText(completed.Best, request) };
        if (request.Details)
            response["details"] = Details(completed.Best, request, completed.Others);
        return response;
    }

    private static JsonObject Details(GenerationResult result, ValidRequest request, IReadOnlyList<GenerationResult>? others)
    {
        var details = new JsonObject
        {
            ["finish_reason"] = FinishReasons.ToWireName(result.FinishReason),
            ["generated_tokens"] = result.Tokens.Count,
            ["seed"] = Seed(result, request),
            ["prefill"] = new JsonArray((result.Prompt ?? []).Select(p => (JsonNode)new JsonObject
            {
                ["id"] = p.Id,
                ["text"] = p.Text,
                ["logprob"] = JsonWire.Number(p.Logprob),
            }).ToArray()),
            ["tokens"] = new JsonArray(result.Tokens.Select(t => (JsonNode)Token(t)).ToArray()),
        };
        if (request.Generation.TopNTokens > 0)
            details["top_tokens"] = new JsonArray(result.Tokens.Select(t => (JsonNode)TopTokens(t)).ToArray());
        if (others is { Count: > 0 })
        {
            details["best_of_sequences"] = new JsonArray(others.Select(o =>
            {
                var sequence = Details(o, request, null);
                sequence["generated_text"] = FullText(o, request);
                sequence.Remove("tokens");
                sequence["tokens"] = new JsonArray(o.Tokens.Select(t => (JsonNode)Token(t)).ToArray());
                return (JsonNode)sequence;
            }).ToArray());
        }
        return details;
    }

    /// <summary>One server-sent event of /generate_stream; the last carries generated_text (and details when asked).</summary>
    public static JsonObject StreamEvent(GeneratedToken token, int index, GenerationResult? final, ValidRequest request) => new()
    {
        ["index"] = index,
        ["token"] = Token(token),
        ["top_tokens"] = TopTokens(token),
        ["generated_text"] = final is null ? null : FullText(final, request),
        ["details"] = final is null || !request.Details ? null : new JsonObject
        {
            ["finish_reason"] = FinishReasons.ToWireName(final.FinishReason),
            ["generated_tokens"] = final.Tokens.Count,
            ["seed"] = Seed(final, request),
            ["input_length"] = final.PromptTokens,
        },
    };
}
