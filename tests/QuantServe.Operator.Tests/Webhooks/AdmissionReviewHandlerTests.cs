using System.Text;
using System.Text.Json.Nodes;
using QuantServe.Operator.Runtime;
using QuantServe.Operator.Tests.Support;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Operator.Tests.Webhooks;

public class AdmissionReviewHandlerTests
{
    internal static JsonObject Review(JsonObject obj) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = "705ab4f5-6393-11e8-b7cc-42010a800002",
            ["kind"] = new JsonObject { ["group"] = "quantserve.dev", ["version"] = "v1alpha1", ["kind"] = obj["kind"]!.GetValue<string>() },
            ["operation"] = "CREATE",
            ["object"] = obj.DeepClone(),
        },
    };

    internal static JsonObject Sample(string name)
    {
        var path = Path.Combine(Samples.Directory, name + ".yaml");
        return (JsonObject)YamlJsonConverter.FromYaml(File.ReadAllText(path), path);
    }

    [Fact]
    public void ValidSample_IsAllowed_WithTheRequestUid()
    {
        var answer = AdmissionReviewHandler.Validate(Review(Sample("inferenceservice-awq")));
        answer["kind"]!.GetValue<string>().Should().Be("AdmissionReview");
        answer["response"]!["allowed"]!.GetValue<bool>().Should().BeTrue();
        answer["response"]!["uid"]!.GetValue<string>().Should().Be("705ab4f5-6393-11e8-b7cc-42010a800002");
    }

    [Fact]
    public void Exl2WithShards_IsDenied_NamingTheFieldAndTheReason()
    {
        var obj = Sample("inferenceservice-exl2");
        obj["spec"]!["shards"] = 4;
        var response = AdmissionReviewHandler.Validate(Review(obj))["response"]!;
        response["allowed"]!.GetValue<bool>().Should().BeFalse();
        response["status"]!["code"]!.GetValue<int>().Should().Be(422);
        response["status"]!["message"]!.GetValue<string>().Should().Contain("spec.shards: exl2 does not support shards > 1");
        response["status"]!["details"]!["causes"]![0]!["field"]!.GetValue<string>().Should().Be("spec.shards");
    }

    [Fact]
    public void UnknownScheme_IsDenied_NamingSpecQuantize()
    {
        var obj = Sample("inferenceservice-none");
        obj["spec"]!["quantize"] = "int3";
        var status = AdmissionReviewHandler.Validate(Review(obj))["response"]!["status"]!;
        status["message"]!.GetValue<string>().Should().StartWith("spec.quantize: unknown scheme \"int3\"");
    }

    [Fact]
    public void Mutate_PatchesInEveryDefault()
    {
        var obj = Sample("inferenceservice-bitsandbytes-fp4");
        var response = AdmissionReviewHandler.Mutate(Review(obj))["response"]!;
        response["allowed"]!.GetValue<bool>().Should().BeTrue();
        response["patchType"]!.GetValue<string>().Should().Be("JSONPatch");
        var patch = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response["patch"]!.GetValue<string>())))!.AsArray();
        var spec = patch.Single()!["value"]!;
        patch.Single()!["path"]!.GetValue<string>().Should().Be("/spec");
        spec["shards"]!.GetValue<int>().Should().Be(1);
        spec["replicas"]!.GetValue<int>().Should().Be(1);
        spec["startupTimeoutSeconds"]!.GetValue<int>().Should().Be(1800);
        spec["model"]!["revision"]!.GetValue<string>().Should().Be("main");
        spec["quantize"]!.GetValue<string>().Should().Be("bitsandbytes-fp4");
    }

    [Fact]
    public void Mutate_OfAFullyDefaultedObject_PatchesNothing()
    {
        var obj = Sample("inferenceservice-bitsandbytes-fp4");
        var patch = AdmissionReviewHandler.Mutate(Review(obj))["response"]!["patch"]!.GetValue<string>();
        obj["spec"] = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patch)))![0]!["value"]!.DeepClone();
        AdmissionReviewHandler.Mutate(Review(obj))["response"]!["patch"].Should().BeNull();
    }

    [Fact]
    public void QuantizationJob_BadBits_IsDenied()
    {
        var obj = Sample("quantizationjob");
        obj["spec"]!["bits"] = 5;
        AdmissionReviewHandler.Validate(Review(obj))["response"]!["status"]!["message"]!.GetValue<string>().Should().Contain("spec.bits: must be 2, 3, 4 or 8");
    }
}
