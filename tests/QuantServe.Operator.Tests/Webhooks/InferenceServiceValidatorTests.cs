using QuantServe.Operator.Entities;
using QuantServe.Operator.Tests.Support;
using QuantServe.Operator.Webhooks;

namespace QuantServe.Operator.Tests.Webhooks;

public class InferenceServiceValidatorTests
{
    private static V1Alpha1InferenceService Valid() => Samples.LoadInferenceService("inferenceservice-none");

    [Theory]
    [MemberData(nameof(Samples.InferenceServiceNames), MemberType = typeof(Samples))]
    public void EverySample_IsValid(string sample) =>
        InferenceServiceValidator.Validate(Samples.LoadInferenceService(sample)).Should().BeEmpty();

    [Fact]
    public void QuantizationJobSample_IsValid() =>
        QuantizationJobValidator.Validate(Samples.LoadQuantizationJob()).Should().BeEmpty();

    [Fact]
    public void SamplesCoverEveryScheme_AndOneCalibration()
    {
        var services = Samples.InferenceServiceFiles.Select(f => Samples.LoadInferenceService(Path.GetFileNameWithoutExtension(f))).ToList();
        services.Select(s => s.Spec.Quantize).Distinct().Should().BeEquivalentTo(Enum.GetValues<QuantizeScheme>());
        services.Should().Contain(s => s.Spec.Quantization != null && s.Spec.Quantization.Calibrate);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(128)]
    public void Shards_MustBeAPowerOfTwo(int shards)
    {
        var service = Valid();
        service.Spec.Shards = shards;
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.shards" && e.Reason.Contains("power of two"));
    }

    [Fact]
    public void Exl2_RefusesMoreThanOneShard()
    {
        var service = Valid();
        service.Spec.Dtype = null;
        service.Spec.Quantize = QuantizeScheme.Exl2;
        service.Spec.Shards = 2;
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.shards" && e.Reason.Contains("exl2"));
    }

    [Theory]
    [InlineData(QuantizeScheme.Gptq)]
    [InlineData(QuantizeScheme.Awq)]
    [InlineData(QuantizeScheme.Fp8)]
    [InlineData(QuantizeScheme.Eetq)]
    public void Dtype_IsRefusedWithNonBitsandbytesSchemes(QuantizeScheme scheme)
    {
        var service = Valid();
        service.Spec.Quantize = scheme;
        service.Spec.Dtype = "float16";
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.dtype");
    }

    [Fact]
    public void Dtype_IsAcceptedWithBitsandbytes_ButOnlyFloat16OrBfloat16()
    {
        var service = Valid();
        service.Spec.Quantize = QuantizeScheme.BitsandbytesNf4;
        service.Spec.Dtype = "bfloat16";
        InferenceServiceValidator.Validate(service).Should().BeEmpty();
        service.Spec.Dtype = "float32";
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.dtype" && e.Reason.Contains("float32"));
    }

    [Fact]
    public void Calibration_IsOnlyAllowedWithGptq()
    {
        var service = Valid();
        service.Spec.Dtype = null;
        service.Spec.Quantize = QuantizeScheme.Awq;
        service.Spec.Quantization = new GptqCalibration { Calibrate = true };
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.quantization.calibrate" && e.Reason.Contains("gptq"));
    }

    [Theory]
    [InlineData(5, 128, "spec.quantization.bits")]
    [InlineData(4, 100, "spec.quantization.groupSize")]
    [InlineData(2, -1, "spec.quantization.groupSize")]
    [InlineData(2, 256, "spec.quantization.groupSize")]
    public void BitsAndGroupSize_MustBeASupportedCombination(int bits, int groupSize, string field)
    {
        var service = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        service.Spec.Quantization!.Bits = bits;
        service.Spec.Quantization.GroupSize = groupSize;
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == field);
    }

    [Fact]
    public void Replicas_MustNotBeNegative_ButZeroIsFine()
    {
        var service = Valid();
        service.Spec.Replicas = 0;
        InferenceServiceValidator.Validate(service).Should().BeEmpty();
        service.Spec.Replicas = -1;
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.replicas");
    }

    [Theory]
    [InlineData("")]
    [InlineData("pvc://claim-without-path")]
    [InlineData("not a model")]
    public void ModelId_MustBeAHubIdOrAPvcPath(string id)
    {
        var service = Valid();
        service.Spec.Model.Id = id;
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.model.id");
    }

    [Fact]
    public void UnknownScheme_IsRejectedByName()
    {
        var service = Valid();
        service.Spec.Dtype = null;
        service.Spec.Quantize = (QuantizeScheme)99;
        InferenceServiceValidator.Validate(service).Should().Contain(e => e.Field == "spec.quantize" && e.Reason.Contains("unknown scheme"));
    }

    [Fact]
    public void ServerLimits_InputMustBeBelowTotal()
    {
        var service = Valid();
        service.Spec.Server = new ServerSettings { MaxInputTokens = 4096, MaxTotalTokens = 4096 };
        InferenceServiceValidator.Validate(service).Should().ContainSingle(e => e.Field == "spec.server.maxInputTokens");
    }

    [Fact]
    public void QuantizationJob_OutputPathMustStayInsideTheClaim()
    {
        var job = Samples.LoadQuantizationJob();
        job.Spec.Output!.Path = "../etc";
        QuantizationJobValidator.Validate(job).Should().Contain(e => e.Field == "spec.output.path");
        job.Spec.Output.Path = "/abs";
        job.Spec.Output.ClaimName = "c";
        QuantizationJobValidator.Validate(job).Select(e => e.Field).Should().Contain(["spec.output.path", "spec.output.claimName"]);
    }
}
