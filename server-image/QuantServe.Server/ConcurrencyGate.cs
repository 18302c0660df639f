namespace QuantServe.Server;

/// <summary>Counts requests in flight; beyond --max-concurrent-requests the server answers 429 at once.</summary>
public sealed class ConcurrencyGate(int limit)
{
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= limit)
            return true;
        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
