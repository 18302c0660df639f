using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Webhooks;

/// <summary>The admission rules of a QuantizationJob, as a pure function.</summary>
public static class QuantizationJobValidator
{
    public static IReadOnlyList<FieldError> Validate(V1Alpha1QuantizationJob job)
    {
        var errors = new List<FieldError>();
        var spec = job.Spec;
        InferenceServiceValidator.ValidateModel(spec.Model, "spec.model", errors);
        if (spec.Model.IsOnClaim)
            errors.Add(new("spec.model.id", "calibration reads the model from the hub; pvc:// models are not supported yet"));
        InferenceServiceValidator.ValidateGptq(spec, "spec", errors);
        if (spec.Output is { } output)
        {
            if (output.ClaimName is not null && output.Size is not null)
                errors.Add(new("spec.output.claimName", "give output.claimName or output.size, not both"));
            if (output.Path is { } path && (path.StartsWith('/') || path.Split('/').Contains("..")))
                errors.Add(new("spec.output.path", $"'{path}' must be relative and must not contain '..'"));
        }
        if (spec.BackoffLimit is < 0 or > 100)
            errors.Add(new("spec.backoffLimit", $"must be between 0 and 100, got {spec.BackoffLimit}"));
        return errors;
    }
}
