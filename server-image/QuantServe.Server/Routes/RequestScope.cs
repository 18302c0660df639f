using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using QuantServe.Server.Api;

namespace QuantServe.Server.Routes;

/// <summary>
/// One generation request's slot under --max-concurrent-requests and its metrics: entered before any
/// work (429 when full), left when the response is done, counting success or the error type.
/// </summary>
public sealed class RequestScope : IDisposable
{
    private readonly ServingModel _serving;
    private bool _finished;

    private RequestScope(ServingModel serving)
    {
        _serving = serving;
        serving.Metrics.RequestStarted();
    }

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public static RequestScope Enter(ServingModel serving)
    {
        if (!serving.Gate.TryEnter())
        {
            serving.Metrics.RequestStarted();
            serving.Metrics.RequestFailed("overloaded");
            throw ApiError.Overloaded();
        }
        return new RequestScope(serving);
    }

    public void Succeeded() => _finished = true;

    public void Failed(string errorType)
    {
        if (_finished)
            return;
        _finished = true;
        _serving.Metrics.RequestFailed(errorType);
    }

    public void Dispose()
    {
        if (!_finished)
            _serving.Metrics.RequestFailed("cancelled");
        _serving.Gate.Exit();
    }

    /// <summary>Runs <paramref name="body"/> inside a scope, recording an ApiError's type before it propagates.</summary>
    public static async Task RunAsync(ServingModel serving, HttpContext context, Func<RequestScope, Task> body)
    {
        using var scope = Enter(serving);
        try
        {
            await body(scope).ConfigureAwait(false);
        }
        catch (ApiError e)
        {
            scope.Failed(e.ErrorType);
            throw;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            scope.Failed("cancelled");
        }
    }
}
