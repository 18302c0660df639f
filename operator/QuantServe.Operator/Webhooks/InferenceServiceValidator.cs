using System.Globalization;
using System.Text.RegularExpressions;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Webhooks;

/// <summary>The admission rules of an InferenceService, as a pure function. The CRD carries the same
/// rules as OpenAPI + CEL; this is what the validating webhook answers with, and it runs on the
/// defaulted object.</summary>
public static partial class InferenceServiceValidator
{
    public static IReadOnlyList<FieldError> Validate(V1Alpha1InferenceService service)
    {
        var errors = new List<FieldError>();
        var spec = service.Spec;
        ValidateModel(spec.Model, "spec.model", errors);

        if (!Enum.IsDefined(spec.Quantize))
            errors.Add(new("spec.quantize", $"unknown scheme {(int)spec.Quantize}"));
        if (spec.Shards < 1 || (spec.Shards & (spec.Shards - 1)) != 0 || spec.Shards > 64)
            errors.Add(new("spec.shards", $"must be 1 or a power of two up to 64, got {spec.Shards}"));
        if (spec.Quantize == QuantizeScheme.Exl2 && spec.Shards > 1)
            errors.Add(new("spec.shards", $"exl2 does not support shards > 1 (as in TGI), got {spec.Shards}"));
        if (spec.Replicas < 0)
            errors.Add(new("spec.replicas", $"must be >= 0, got {spec.Replicas}"));
        if (spec.Dtype is not null)
        {
            if (!InferenceServiceSpec.AllowedDtypes.Contains(spec.Dtype))
                errors.Add(new("spec.dtype", $"must be float16 or bfloat16, got '{spec.Dtype}'"));
            if (spec.Quantize is not (QuantizeScheme.None or QuantizeScheme.Bitsandbytes or QuantizeScheme.BitsandbytesNf4 or QuantizeScheme.BitsandbytesFp4))
                errors.Add(new("spec.dtype", $"cannot be combined with quantize {Name(spec.Quantize)}: only none and the bitsandbytes schemes take a dtype (as in TGI)"));
        }
        if (spec.StartupTimeoutSeconds is < 30 or > 86400)
            errors.Add(new("spec.startupTimeoutSeconds", $"must be between 30 and 86400, got {spec.StartupTimeoutSeconds}"));

        if (spec.Quantization is { } calibration)
        {
            if (calibration.Calibrate && spec.Quantize != QuantizeScheme.Gptq)
                errors.Add(new("spec.quantization.calibrate", $"calibration is only supported with quantize: gptq, got {Name(spec.Quantize)}"));
            if (calibration.Calibrate && spec.Model.IsOnClaim)
                errors.Add(new("spec.quantization.calibrate", "calibration reads the model from the hub; a pvc:// model cannot be calibrated"));
            ValidateGptq(calibration, "spec.quantization", errors);
            if (calibration.MaxPerplexityIncreasePercent is < 0)
                errors.Add(new("spec.quantization.maxPerplexityIncreasePercent", "must be >= 0"));
        }

        if (spec.Server is { } server)
        {
            if (server.MaxInputTokens is { } input && server.MaxTotalTokens is { } total && input >= total)
                errors.Add(new("spec.server.maxInputTokens", $"must be below maxTotalTokens ({input} >= {total})"));
            if (server.MaxTotalTokens is { } t && server.MaxBatchTotalTokens is { } bt && t > bt)
                errors.Add(new("spec.server.maxTotalTokens", $"must be <= maxBatchTotalTokens ({t} > {bt})"));
        }

        if (spec.Storage is { } storage && storage.ClaimName is not null && (storage.Size is not null || storage.StorageClassName is not null))
            errors.Add(new("spec.storage.claimName", "give either claimName (an existing claim) or size/storageClassName (a claim to create), not both"));
        if (spec.Storage?.Size is { } size && !QuantityPattern().IsMatch(size))
            errors.Add(new("spec.storage.size", $"'{size}' is not a Kubernetes quantity (e.g. 100Gi)"));
        return errors;
    }

    internal static void ValidateModel(ModelSource model, string path, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(model.Id))
            errors.Add(new(path + ".id", "is required (a hub id org/name or pvc://<claim>/<path>)"));
        else if (model.IsOnClaim && (model.Id.Length <= ModelSource.PvcScheme.Length || !model.Id[ModelSource.PvcScheme.Length..].Contains('/')))
            errors.Add(new(path + ".id", $"'{model.Id}' must be pvc://<claim>/<path>"));
        else if (!ModelIdPattern().IsMatch(model.Id))
            errors.Add(new(path + ".id", $"'{model.Id}' is neither a hub id (org/name) nor pvc://<claim>/<path>"));
        if (model.TokenSecretRef is { Name: "" or null })
            errors.Add(new(path + ".tokenSecretRef.name", "is required"));
    }

    internal static void ValidateGptq(GptqParameters gptq, string path, List<FieldError> errors)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!GptqParameters.AllowedBits.Contains(gptq.Bits))
            errors.Add(new(path + ".bits", $"must be 2, 3, 4 or 8, got {gptq.Bits.ToString(inv)}"));
        if (!GptqParameters.AllowedGroupSizes.Contains(gptq.GroupSize))
            errors.Add(new(path + ".groupSize", $"must be -1 or one of 32, 64, 128, 256, 512, 1024, got {gptq.GroupSize.ToString(inv)}"));
        else if (gptq.Bits == 2 && gptq.GroupSize is not (32 or 64 or 128))
            errors.Add(new(path + ".groupSize", $"bits 2 needs groupSize 32, 64 or 128: one scale per column at 2 bits destroys the model, got {gptq.GroupSize.ToString(inv)}"));
        if (gptq.Percdamp is <= 0 or >= 1 || double.IsNaN(gptq.Percdamp))
            errors.Add(new(path + ".percdamp", $"must be in (0, 1), got {gptq.Percdamp.ToString(inv)}"));
        if (gptq.Nsamples < 1) errors.Add(new(path + ".nsamples", $"must be >= 1, got {gptq.Nsamples.ToString(inv)}"));
        if (gptq.Seqlen < 1) errors.Add(new(path + ".seqlen", $"must be >= 1, got {gptq.Seqlen.ToString(inv)}"));
        if (string.IsNullOrWhiteSpace(gptq.Dataset)) errors.Add(new(path + ".dataset", "is required"));
    }

    private static string Name(QuantizeScheme scheme) => Builders.DeploymentBuilder.QuantizeName(scheme);

    [GeneratedRegex(@"^(pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/.+|[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?)$")]
    private static partial Regex ModelIdPattern();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")]
    private static partial Regex QuantityPattern();
}
