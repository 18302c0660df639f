using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using QuantServe.Server.Api;
using QuantServe.Server.Http;

namespace QuantServe.Server.Routes;

/// <summary>/info, /health, /ping, /metrics and /v1/models.</summary>
public static class InfoRoutes
{
    public static readonly string Version =
        typeof(InfoRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1.0";

    public static void Map(WebApplication app, ServingModel serving)
    {
        app.MapGet("/info", context => JsonWire.WriteAsync(context.Response, 200, Info(serving)));
        app.MapGet("/health", HealthAsync(serving));
        app.MapGet("/ping", HealthAsync(serving));
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4";
            await context.Response.WriteAsync(serving.Metrics.Registry.Render());
        });
        app.MapGet("/v1/models", context => JsonWire.WriteAsync(context.Response, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = serving.Options.ModelId,
                ["object"] = "model",
                ["created"] = 0,
                ["owned_by"] = serving.Options.ModelId,
            }),
        }));
    }

    public static JsonObject Info(ServingModel serving)
    {
        var o = serving.Options;
        return new JsonObject
        {
            ["model_id"] = o.ModelId,
            ["model_sha"] = serving.ModelSha,
            ["model_pipeline_tag"] = "text-generation",
            ["model_dtype"] = serving.Model.Config.TorchDtype,
            ["max_concurrent_requests"] = o.MaxConcurrentRequests,
            ["max_best_of"] = o.MaxBestOf,
            ["max_stop_sequences"] = o.MaxStopSequences,
            ["max_input_tokens"] = o.MaxInputTokens,
            ["max_total_tokens"] = o.MaxTotalTokens,
            ["validation_workers"] = 1,
            ["max_client_batch_size"] = o.MaxClientBatchSize,
            ["router"] = "quantserve",
            ["version"] = Version,
            ["sha"] = null,
            ["docker_label"] = Environment.GetEnvironmentVariable("DOCKER_LABEL"),
            ["quantize"] = serving.Model.Scheme == "none" ? null : serving.Model.Scheme,
            ["backend"] = serving.Backend,
            ["weight_memory_bytes"] = serving.Model.WeightBytes,
        };
    }

    // Healthy while the batching loop accepts work; 503 in TGI's shape once shutting down.
    private static RequestDelegate HealthAsync(ServingModel serving) => async context =>
    {
        if (serving.Scheduler.IsDraining)
        {
            await JsonWire.WriteErrorAsync(context.Response, new ApiError(503, "healthcheck", "unhealthy"));
            return;
        }
        context.Response.StatusCode = 200;
    };
}
