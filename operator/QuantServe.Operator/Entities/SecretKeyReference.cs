using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("A key of a Secret in the resource's namespace.")]
public sealed class SecretKeyReference
{
    [Required, Description("Name of the Secret.")]
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [SchemaDefault, Description("Key inside the Secret.")]
    [JsonPropertyName("key")] public string Key { get; set; } = "token";
}
