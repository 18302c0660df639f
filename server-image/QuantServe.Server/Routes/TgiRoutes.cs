using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using QuantServe.Engine.Generation.Scheduling;
using QuantServe.Server.Api;
using QuantServe.Server.Http;
using QuantServe.Server.Validation;

namespace QuantServe.Server.Routes;

/// <summary>TGI's own routes: /generate, /generate_stream, the compat route `/`, and /tokenize.</summary>
public static class TgiRoutes
{
    public static void Map(WebApplication app, ServingModel serving, GenerationRunner runner)
    {
        app.MapPost("/generate", async context =>
        {
            var request = await JsonWire.ReadAsync<GenerateRequest>(context.Request, context.RequestAborted);
            await GenerateAsync(context, serving, runner, request, asList: false);
        });
        app.MapPost("/generate_stream", async context =>
        {
            var request = await JsonWire.ReadAsync<GenerateRequest>(context.Request, context.RequestAborted);
            await StreamAsync(context, serving, runner, request);
        });
        app.MapPost("/", CompatAsync(serving, runner));
        app.MapPost("/tokenize", async context =>
        {
            var request = await JsonWire.ReadAsync<GenerateRequest>(context.Request, context.RequestAborted);
            if (string.IsNullOrEmpty(request.Inputs))
                throw ApiError.Validation("`inputs` cannot be empty");
            await JsonWire.WriteAsync(context.Response, 200, Tokenize(serving, request.Inputs));
        });
    }

    /// <summary>`/` (and SageMaker's /invocations for TGI bodies): `stream` picks the route; the non-streaming answer is a list.</summary>
    public static RequestDelegate CompatAsync(ServingModel serving, GenerationRunner runner) => async context =>
    {
        var request = await JsonWire.ReadAsync<GenerateRequest>(context.Request, context.RequestAborted);
        if (request.Stream)
            await StreamAsync(context, serving, runner, request);
        else
            await GenerateAsync(context, serving, runner, request, asList: true);
    };

    /// <summary>[{id, text, start, stop}] with UTF-8 byte offsets into the input, as TGI returns them.</summary>
    public static JsonArray Tokenize(ServingModel serving, string inputs)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(inputs);
        return new JsonArray(serving.Tokenizer.EncodeWithOffsets(inputs).Select(t => (JsonNode)new JsonObject
        {
            ["id"] = t.Id,
            ["text"] = System.Text.Encoding.UTF8.GetString(bytes, t.Start, t.Stop - t.Start),
            ["start"] = t.Start,
            ["stop"] = t.Stop,
        }).ToArray());
    }

    private static Task GenerateAsync(HttpContext context, ServingModel serving, GenerationRunner runner, GenerateRequest body, bool asList) =>
        RequestScope.RunAsync(serving, context, async scope =>
        {
            var request = serving.Validator.Validate(body.Inputs, body.Parameters, streaming: false);
            var completed = await runner.RunAsync(request, context.RequestAborted);
            var result = completed.Best;
            var total = scope.Clock.Elapsed;
            var headers = context.Response.Headers;
            headers["x-compute-type"] = serving.Backend;
            headers["x-compute-time"] = (completed.QueueTime + completed.InferenceTime).TotalSeconds.ToString("F3", CultureInfo.InvariantCulture);
            headers["x-compute-characters"] = request.Inputs.Length.ToString(CultureInfo.InvariantCulture);
            headers["x-total-time"] = Milliseconds(total);
            headers["x-validation-time"] = Milliseconds(request.ValidationTime);
            headers["x-queue-time"] = Milliseconds(completed.QueueTime);
            headers["x-inference-time"] = Milliseconds(completed.InferenceTime);
            headers["x-time-per-token"] = Milliseconds(completed.InferenceTime / Math.Max(1, result.Tokens.Count));
            headers["x-prompt-tokens"] = result.PromptTokens.ToString(CultureInfo.InvariantCulture);
            headers["x-generated-tokens"] = result.Tokens.Count.ToString(CultureInfo.InvariantCulture);
            serving.Metrics.RequestSucceeded(result.PromptTokens, result.Tokens.Count, request.Generation.MaxNewTokens,
                request.ValidationTime, completed.QueueTime, completed.InferenceTime, total);
            scope.Succeeded();
            var response = TgiResponses.Generate(completed, request);
            await JsonWire.WriteAsync(context.Response, 200, asList ? new JsonArray(response) : response);
        });

    private static Task StreamAsync(HttpContext context, ServingModel serving, GenerationRunner runner, GenerateRequest body) =>
        RequestScope.RunAsync(serving, context, async scope =>
        {
            var request = serving.Validator.Validate(body.Inputs, body.Parameters, streaming: true);
            context.Response.Headers["x-compute-type"] = serving.Backend;
            var events = new ServerSentEvents(context.Response);
            GenerationEvent.Token? pending = null;
            try
            {
                // Each token goes out once the next event shows whether it was the last (which carries generated_text).
                await foreach (var e in runner.StreamAsync(request.Generation, context.RequestAborted))
                {
                    switch (e)
                    {
                        case GenerationEvent.Token token:
                            if (pending is not null)
                                await events.SendAsync(TgiResponses.StreamEvent(pending.Value, pending.Index + 1, null, request), context.RequestAborted);
                            pending = token;
                            break;
                        case GenerationEvent.Finished finished:
                            var last = pending ?? throw ApiError.Incomplete();
                            await events.SendAsync(TgiResponses.StreamEvent(last.Value, last.Index + 1, finished.Result, request), context.RequestAborted);
                            serving.Metrics.RequestSucceeded(finished.Result.PromptTokens, finished.Result.Tokens.Count, request.Generation.MaxNewTokens,
                                request.ValidationTime, finished.QueueTime, finished.InferenceTime, scope.Clock.Elapsed);
                            scope.Succeeded();
                            return;
                    }
                }
                throw ApiError.Incomplete();
            }
            catch (ApiError e) when (events.Started)
            {
                // Headers are gone: TGI reports a mid-stream failure as a last event.
                scope.Failed(e.ErrorType);
                await events.SendAsync(new JsonObject { ["error"] = e.Message, ["error_type"] = e.ErrorType }, CancellationToken.None);
            }
        });

    private static string Milliseconds(TimeSpan time) => ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
