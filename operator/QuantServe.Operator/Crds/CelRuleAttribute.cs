namespace QuantServe.Operator.Crds;

/// <summary>A CEL rule (x-kubernetes-validations) placed on the schema of the class or property it decorates,
/// so that a cluster without the admission webhook still refuses the same garbage.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
    /// <summary>The field the rejection names (JSONPath relative to the schema the rule sits on).</summary>
    public string? FieldPath { get; init; }
    public string? Reason { get; init; }
}
