using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("Where the model comes from.")]
public sealed class ModelSource
{
    /// <summary>The prefix of a model that lives on a PersistentVolumeClaim: pvc://claim/path.</summary>
    public const string PvcScheme = "pvc://";

    [Required, Description("A Hugging Face hub id (org/name) or pvc://<claim>/<path> for weights on a claim.")]
    [RegularExpression(@"^(pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/.+|[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?)$")]
    [JsonPropertyName("id")] public string Id { get; set; } = "";

    [SchemaDefault, Description("Hub revision (branch, tag or commit).")]
    [JsonPropertyName("revision")] public string Revision { get; set; } = "main";

    [Description("Secret key holding HF_TOKEN for gated or private models.")]
    [JsonPropertyName("tokenSecretRef")] public SecretKeyReference? TokenSecretRef { get; set; }

    [JsonIgnore] public bool IsOnClaim => Id.StartsWith(PvcScheme, StringComparison.Ordinal);

    /// <summary>The claim name of a pvc:// id.</summary>
    [JsonIgnore] public string? ClaimName => IsOnClaim ? Id[PvcScheme.Length..].Split('/', 2)[0] : null;

    /// <summary>The path inside the claim of a pvc:// id.</summary>
    [JsonIgnore] public string? PathInClaim => IsOnClaim ? Id[PvcScheme.Length..].Split('/', 2)[1] : null;
}
