namespace QuantServe.Operator.Runtime;

/// <summary>Level-triggered reconcile of one object by key: read the world (caches), compute the desired
/// children, apply the difference, write status. Never told which event happened. Throwing requeues the
/// key with per-key exponential backoff.</summary>
public interface IReconciler
{
    Task<ReconcileResult> ReconcileAsync(string ns, string name, CancellationToken ct);
}
