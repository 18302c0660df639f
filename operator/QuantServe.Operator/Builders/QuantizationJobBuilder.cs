using k8s.Models;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Builders;

/// <summary>The QuantizationJob an InferenceService owns when it asks for GPTQ calibration. Its name and
/// output path are keyed by the calibration hash, so the same inputs always find the same run.</summary>
public static class QuantizationJobBuilder
{
    /// <summary>Directory inside the cache claim where calibrated weights of one hash live.</summary>
    public static string OutputPath(string calibrationHash) => "quantized/" + calibrationHash;

    public static V1Alpha1QuantizationJob Build(V1Alpha1InferenceService service, string cacheClaim)
    {
        var spec = service.Spec;
        var calibration = spec.Quantization
            ?? throw new InvalidOperationException($"InferenceService {service.Metadata.Name} has no spec.quantization");
        var hash = CalibrationHash.Compute(spec.Model, calibration);
        var evaluationDataset = CalibrationHash.EvaluationDataset(calibration);
        var labels = ChildLabels.ForInferenceService(service.Metadata.Name, "calibration");
        labels[ChildLabels.CalibrationHash] = hash;
        return new V1Alpha1QuantizationJob
        {
            Metadata = new V1ObjectMeta
            {
                Name = ChildNames.QuantizationJob(service.Metadata.Name, hash),
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [OwnerReferences.ControllerOf(service)],
            },
            Spec = new QuantizationJobSpec
            {
                Model = new ModelSource { Id = spec.Model.Id, Revision = spec.Model.Revision, TokenSecretRef = spec.Model.TokenSecretRef },
                Bits = calibration.Bits,
                GroupSize = calibration.GroupSize,
                ActOrder = calibration.ActOrder,
                Sym = calibration.Sym,
                Percdamp = calibration.Percdamp,
                Dataset = calibration.Dataset,
                Nsamples = calibration.Nsamples,
                Seqlen = calibration.Seqlen,
                Seed = calibration.Seed,
                Output = new QuantizationOutput { ClaimName = cacheClaim, Path = OutputPath(hash) },
                Evaluate = evaluationDataset is null ? null : new EvaluationSettings { Dataset = evaluationDataset },
                Image = spec.Image,
                Resources = calibration.Resources,
                Gpu = spec.Gpu,
                NodeSelector = spec.NodeSelector,
                Tolerations = spec.Tolerations,
            },
        };
    }
}
