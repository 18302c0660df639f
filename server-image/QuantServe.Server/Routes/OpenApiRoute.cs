using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using QuantServe.Server.Http;

namespace QuantServe.Server.Routes;

/// <summary>The OpenAPI 3 description of the server, at TGI's path /api-doc/openapi.json.</summary>
public static class OpenApiRoute
{
    private static readonly (string Method, string Path, string Summary, string? Schema)[] Operations =
    [
        ("post", "/generate", "Generate tokens (TGI)", "GenerateRequest"),
        ("post", "/generate_stream", "Generate a stream of tokens as server-sent events (TGI)", "GenerateRequest"),
        ("post", "/", "Generate tokens; `stream` selects streaming (TGI compat)", "GenerateRequest"),
        ("post", "/tokenize", "Tokenize inputs", "GenerateRequest"),
        ("post", "/chat_tokenize", "Template and tokenize a chat request", "ChatRequest"),
        ("post", "/v1/chat/completions", "OpenAI chat completions", "ChatRequest"),
        ("post", "/v1/completions", "OpenAI completions", "CompletionRequest"),
        ("post", "/invocations", "SageMaker invocations (chat, completions or TGI body)", null),
        ("get", "/v1/models", "The served model (OpenAI)", null),
        ("get", "/info", "Model and server limits", null),
        ("get", "/health", "200 when ready, 503 when shutting down", null),
        ("get", "/ping", "Same as /health (SageMaker)", null),
        ("get", "/metrics", "Prometheus metrics (tgi_*)", null),
    ];

    public static void Map(WebApplication app)
    {
        var document = JsonWire.Serialize(Document());
        app.MapGet("/api-doc/openapi.json", () => Microsoft.AspNetCore.Http.Results.Text(document, "application/json"));
    }

    public static JsonObject Document()
    {
        var paths = new JsonObject();
        foreach (var (method, path, summary, schema) in Operations)
        {
            var operation = new JsonObject
            {
                ["summary"] = summary,
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject { ["description"] = "success" },
                    ["422"] = new JsonObject { ["description"] = "validation error: {\"error\", \"error_type\": \"validation\"}" },
                    ["429"] = new JsonObject { ["description"] = "overloaded: more than --max-concurrent-requests in flight" },
                },
            };
            if (schema is not null)
            {
                operation["requestBody"] = new JsonObject
                {
                    ["required"] = true,
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/" + schema } } },
                };
            }
            if (paths[path] is not JsonObject item)
                paths[path] = item = new JsonObject();
            item[method] = operation;
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject { ["title"] = "QuantServe", ["version"] = InfoRoutes.Version, ["description"] = "Text Generation Inference compatible API with OpenAI routes" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = Schemas() },
        };
    }

    private static JsonObject Schemas()
    {
        static JsonObject Props(params (string Name, string Type)[] properties)
        {
            var p = new JsonObject();
            foreach (var (name, type) in properties)
                p[name] = new JsonObject { ["type"] = type };
            return new JsonObject { ["type"] = "object", ["properties"] = p };
        }
        var parameters = Props(("best_of", "integer"), ("temperature", "number"), ("repetition_penalty", "number"), ("frequency_penalty", "number"),
            ("top_k", "integer"), ("top_p", "number"), ("typical_p", "number"), ("do_sample", "boolean"), ("max_new_tokens", "integer"),
            ("return_full_text", "boolean"), ("stop", "array"), ("truncate", "integer"), ("details", "boolean"),
            ("decoder_input_details", "boolean"), ("seed", "integer"), ("top_n_tokens", "integer"));
        var generate = Props(("inputs", "string"), ("stream", "boolean"));
        ((JsonObject)generate["properties"]!)["parameters"] = parameters;
        return new JsonObject
        {
            ["GenerateRequest"] = generate,
            ["ChatRequest"] = Props(("model", "string"), ("messages", "array"), ("max_tokens", "integer"), ("temperature", "number"), ("top_p", "number"),
                ("stop", "array"), ("stream", "boolean"), ("seed", "integer"), ("logprobs", "boolean"), ("top_logprobs", "integer"), ("frequency_penalty", "number")),
            ["CompletionRequest"] = Props(("model", "string"), ("prompt", "string"), ("max_tokens", "integer"), ("temperature", "number"), ("top_p", "number"),
                ("stop", "array"), ("stream", "boolean"), ("seed", "integer"), ("repetition_penalty", "number"), ("frequency_penalty", "number")),
        };
    }
}
