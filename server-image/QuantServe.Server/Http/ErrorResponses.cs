using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QuantServe.Server.Api;

namespace QuantServe.Server.Http;

/// <summary>
/// Turns exceptions into TGI's error bodies: ApiError as it says, an oversized body as 413, a client
/// that went away as nothing at all. Anything else is a bug: 500, logged.
/// </summary>
public sealed class ErrorResponses(RequestDelegate next, ILogger<ErrorResponses> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ApiError e) when (!context.Response.HasStarted)
        {
            await JsonWire.WriteErrorAsync(context.Response, e).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var error = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new ApiError(413, "payload_too_large", $"the request body is larger than --payload-limit ({e.Message})")
                : new ApiError(e.StatusCode, "validation", e.Message);
            await JsonWire.WriteErrorAsync(context.Response, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected; its request was cancelled and its KV blocks freed.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.LogError(e, "unhandled error on {Path}", context.Request.Path);
            await JsonWire.WriteErrorAsync(context.Response, new ApiError(500, "internal", e.Message)).ConfigureAwait(false);
        }
    }
}
