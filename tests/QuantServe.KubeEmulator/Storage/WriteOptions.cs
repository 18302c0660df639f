namespace QuantServe.KubeEmulator.Storage;

/// <summary>Per-request write options.</summary>
/// <param name="DryRun">dryRun=All: validate and answer, store nothing.</param>
/// <param name="StrictFields">fieldValidation=Strict: a field the CRD schema does not declare is a 400 instead of being pruned silently.</param>
internal sealed record WriteOptions(bool DryRun = false, bool StrictFields = false)
{
    public static WriteOptions Default { get; } = new();
}
