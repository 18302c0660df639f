namespace QuantServe.KubeEmulator.Storage;

/// <summary>DeleteOptions the emulator honours: preconditions and the propagation policy.</summary>
/// <param name="PreconditionUid">Fail with 409 unless the object has this uid.</param>
/// <param name="PreconditionResourceVersion">Fail with 409 unless the object is at this resourceVersion.</param>
/// <param name="Propagation">Background (default) or Foreground delete dependents; Orphan strips their ownerReferences.</param>
/// <param name="DryRun">Validate only: nothing is stored.</param>
internal sealed record DeleteRequest(
    string? PreconditionUid = null, string? PreconditionResourceVersion = null, string Propagation = "Background", bool DryRun = false);
