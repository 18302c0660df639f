using System.Text.Json.Nodes;
using QuantServe.Operator.Crds;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Crds;

public class CrdGenerationTests
{
    [Fact]
    public void CommittedCrds_MatchTheGeneratorOutput()
    {
        foreach (var (file, yaml) in CrdGenerator.GenerateAll())
        {
            var path = RepositoryRoot.Combine("crds", file);
            File.Exists(path).Should().BeTrue($"crds/{file} must be committed; run `quantserve-operator crds crds`");
            File.ReadAllText(path).Should().Be(yaml, $"crds/{file} is stale; regenerate it with `quantserve-operator crds crds`");
        }
    }

    [Fact]
    public void InferenceServiceCrd_HasSubresourcesPrinterColumnsAndShortNames()
    {
        var crd = CrdGenerator.Generate(typeof(V1Alpha1InferenceService));
        var version = crd["spec"]!["versions"]![0]!;
        version["subresources"]!["status"].Should().NotBeNull();
        version["subresources"]!["scale"]!["specReplicasPath"]!.GetValue<string>().Should().Be(".spec.replicas");
        version["additionalPrinterColumns"]!.AsArray().Select(c => c!["name"]!.GetValue<string>())
            .Should().Equal("Model", "Quantize", "Shards", "Ready", "Phase", "URL", "Age");
        crd["spec"]!["names"]!["shortNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain("isvc");
    }

    [Fact]
    public void InferenceServiceSchema_CarriesTheAdmissionRulesAsEnumsDefaultsAndCel()
    {
        var spec = CrdGenerator.Generate(typeof(V1Alpha1InferenceService))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;
        spec["properties"]!["quantize"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal(
            "none", "bitsandbytes", "bitsandbytes-nf4", "bitsandbytes-fp4", "eetq", "fp8", "gptq", "awq", "marlin", "exl2");
        spec["properties"]!["quantize"]!["default"]!.GetValue<string>().Should().Be("none");
        spec["properties"]!["shards"]!["default"]!.GetValue<int>().Should().Be(1);
        spec["properties"]!["replicas"]!["minimum"]!.GetValue<long>().Should().Be(0);
        var rules = spec["x-kubernetes-validations"]!.AsArray().Select(r => r!["rule"]!.GetValue<string>()).ToList();
        rules.Should().Contain(r => r.Contains("exl2") && r.Contains("shards"));
        rules.Should().Contain(r => r.Contains("calibrate") && r.Contains("gptq"));
        rules.Should().Contain(r => r.Contains("dtype") && r.Contains("bitsandbytes"));
        spec["properties"]!["shards"]!["x-kubernetes-validations"]![0]!["rule"]!.GetValue<string>().Should().Contain("[1, 2, 4, 8");
        spec["properties"]!["quantization"]!["properties"]!["bits"]!["x-kubernetes-validations"]![0]!["rule"]!.GetValue<string>()
            .Should().Be("self in [2, 3, 4, 8]");
    }

    [Fact]
    public void CommandLine_WritesBothCrdsIntoTheGivenDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("crds-").FullName;
        try
        {
            var written = CrdGenerator.WriteAll(dir);
            written.Select(Path.GetFileName).Should().BeEquivalentTo("quantserve.dev_inferenceservices.yaml", "quantserve.dev_quantizationjobs.yaml");
            var parsed = YamlJsonConverter.FromYaml(File.ReadAllText(written[0]));
            parsed["kind"]!.GetValue<string>().Should().Be("CustomResourceDefinition");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
