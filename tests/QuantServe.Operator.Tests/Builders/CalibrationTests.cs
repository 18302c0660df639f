using QuantServe.Operator.Builders;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Builders;

public class CalibrationTests
{
    [Fact]
    public void SameInputs_GiveTheSameHashAndJobName_AnyInputChangeGivesAnother()
    {
        var a = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        var b = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        b.Spec.Replicas = 7; // not a calibration input
        b.Spec.Image = "other:tag";
        var hash = CalibrationHash.Compute(a.Spec.Model, a.Spec.Quantization!);
        CalibrationHash.Compute(b.Spec.Model, b.Spec.Quantization!).Should().Be(hash);
        QuantizationJobBuilder.Build(a, "c").Metadata.Name.Should().Be(QuantizationJobBuilder.Build(b, "c").Metadata.Name);

        b.Spec.Quantization!.Seed = 43;
        CalibrationHash.Compute(b.Spec.Model, b.Spec.Quantization).Should().NotBe(hash);
        b.Spec.Quantization.Seed = 42;
        b.Spec.Model.Revision = "v2";
        CalibrationHash.Compute(b.Spec.Model, b.Spec.Quantization).Should().NotBe(hash);
    }

    [Fact]
    public void CalibrationJob_RunsQuantizeWithJsonOutput_AndReportsThroughTheTerminationMessage()
    {
        var job = CalibrationJobBuilder.Build(Samples.LoadQuantizationJob(), "img");
        var container = job.Spec.Template.Spec.Containers.Single();
        container.Command[2].Should().Contain("quantserve quantize \"$MODEL_ID\" \"$tmp\"").And.Contain("--json-output").And.Contain("mv \"$tmp\" \"$out\"");
        container.TerminationMessagePolicy.Should().Be("FallbackToLogsOnError");
        container.Env.Should().Contain(e => e.Name == "BITS" && e.Value == "3");
        job.Spec.BackoffLimit.Should().Be(1);
        job.Spec.Template.Spec.RestartPolicy.Should().Be("Never");
    }

    [Fact]
    public void ResultMessage_YieldsPerplexity_GarbageYieldsNone()
    {
        var result = QuantizationJobController.ParsePerplexity("{\"outputPath\":\"x\",\"perplexity\":{\"base\":10.0,\"quantized\":10.4}}");
        result!.IncreasePercent.Should().BeApproximately(4.0, 1e-9);
        QuantizationJobController.ParsePerplexity("{\"outputPath\":\"x\",\"perplexity\":{}}").Should().BeNull();
        QuantizationJobController.ParsePerplexity("Traceback (most recent call last):").Should().BeNull();
    }

    [Fact]
    public void LongNames_FitIn63CharactersAndStayDistinct()
    {
        var a = ChildNames.QuantizationJob(new string('a', 60), "0123456789");
        var b = ChildNames.QuantizationJob(new string('a', 61), "0123456789");
        a.Length.Should().BeLessThanOrEqualTo(63);
        b.Length.Should().BeLessThanOrEqualTo(63);
        a.Should().NotBe(b);
    }
}
