namespace QuantServe.Operator.Tests.Certificates;

/// <summary>Runs <paramref name="interpose"/> once, just before the first request that matches is sent: lets a
/// test put another replica's whole write between this client's read and its write, deterministically.</summary>
public sealed class BeforeRequestHandler(HttpMethod method, Func<Task> interpose) : DelegatingHandler
{
    private int fired;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == method && Interlocked.Exchange(ref fired, 1) == 0) await interpose();
        return await base.SendAsync(request, cancellationToken);
    }
}
