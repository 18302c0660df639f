namespace QuantServe.Operator.Crds;

/// <summary>A short name `kubectl` accepts for the kind (e.g. `isvc`).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ShortNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
