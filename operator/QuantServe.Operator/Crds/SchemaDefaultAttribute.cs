namespace QuantServe.Operator.Crds;

/// <summary>Marks a property whose C# initial value is also the OpenAPI `default` of the CRD,
/// so the defaults live in one place (the entity) and the schema and the defaulting webhook agree.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SchemaDefaultAttribute : Attribute;
