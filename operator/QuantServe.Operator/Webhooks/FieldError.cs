namespace QuantServe.Operator.Webhooks;

/// <summary>One rejection: the field (a JSON path like spec.shards) and why.</summary>
public sealed record FieldError(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}
