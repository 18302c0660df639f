namespace QuantServe.Engine.Hub;

/// <summary>
/// The body of one GET. Each read must bring data within the read timeout; a stall or a cut connection becomes a
/// <see cref="HubErrorKind.Unreachable"/> error that the caller answers by resuming from what it has.
/// </summary>
internal sealed class HubDownloadStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly TimeSpan _readTimeout;
    private readonly string _what;

    public HubDownloadStream(HttpResponseMessage response, Stream body, long offset, TimeSpan readTimeout, string what)
    {
        _response = response;
        _body = body;
        Offset = offset;
        _readTimeout = readTimeout;
        _what = what;
    }

    /// <summary>The file offset of the first byte this body carries (0 when the server ignored the Range).</summary>
    public long Offset { get; }

    public async Task<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_readTimeout);
        try
        {
            return await _body.ReadAsync(buffer, timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new HubException(HubErrorKind.Unreachable, $"{_what}: no data for {_readTimeout.TotalSeconds:0} s", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new HubException(HubErrorKind.Unreachable, $"{_what}: the connection was lost ({e.Message})", e);
        }
    }

    public void Dispose()
    {
        _body.Dispose();
        _response.Dispose();
    }
}
