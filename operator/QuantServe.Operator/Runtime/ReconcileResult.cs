namespace QuantServe.Operator.Runtime;

/// <summary>What a reconcile asks of the queue: nothing (wait for the next change) or another look later.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => new(null);
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
