namespace QuantServe.Operator.Crds;

/// <summary>One additionalPrinterColumns entry of the CRD (what `kubectl get` shows).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(int order, string name, string type, string jsonPath) : Attribute
{
    public int Order { get; } = order;
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public int Priority { get; init; }
    public string? Description { get; init; }
}
