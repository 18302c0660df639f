using System.Text.Json.Nodes;
using QuantServe.Operator.Builders;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Builders;

/// <summary>The children of every sample, compared with Golden/*.golden.yaml. After an intended change,
/// regenerate with QUANTSERVE_UPDATE_GOLDEN=1 and review the diff.</summary>
public class GoldenTests
{
    private const string Image = "ghcr.io/quantserve/quantserve:test";

    [Theory]
    [MemberData(nameof(Samples.InferenceServiceNames), MemberType = typeof(Samples))]
    public void InferenceServiceChildren_MatchGolden(string sample)
    {
        var service = Samples.LoadInferenceService(sample);
        var claim = ModelCacheClaimBuilder.ClaimName(service);
        var children = new List<JsonNode?>();
        if (ModelCacheClaimBuilder.Build(service) is { } pvc) children.Add(KubeJson.ToNode(pvc));
        string? quantizedPath = null;
        if (service.Spec.Quantization is { Calibrate: true } calibration)
        {
            children.Add(KubeJson.ToNode(QuantizationJobBuilder.Build(service, claim)));
            quantizedPath = QuantizationJobBuilder.OutputPath(CalibrationHash.Compute(service.Spec.Model, calibration));
        }
        children.Add(KubeJson.ToNode(DeploymentBuilder.Build(service, claim, quantizedPath, Image)));
        children.Add(KubeJson.ToNode(ServiceBuilder.Build(service)));
        Compare(sample, YamlJsonConverter.ToYamlAll(children));
    }

    [Fact]
    public void QuantizationJobChildren_MatchGolden()
    {
        var job = Samples.LoadQuantizationJob();
        var children = new List<JsonNode?>();
        if (CalibrationJobBuilder.BuildOutputClaim(job) is { } pvc) children.Add(KubeJson.ToNode(pvc));
        children.Add(KubeJson.ToNode(CalibrationJobBuilder.Build(job, Image)));
        Compare("quantizationjob", YamlJsonConverter.ToYamlAll(children));
    }

    private static void Compare(string sample, string actual)
    {
        var path = RepositoryRoot.Combine("tests", "QuantServe.Operator.Tests", "Golden", sample + ".golden.yaml");
        if (Environment.GetEnvironmentVariable("QUANTSERVE_UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        File.Exists(path).Should().BeTrue($"{path} is missing; run the tests once with QUANTSERVE_UPDATE_GOLDEN=1");
        actual.Should().Be(File.ReadAllText(path), $"the children of {sample} changed; if intended, regenerate {path}");
    }
}
