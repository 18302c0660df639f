using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Quantization;

namespace QuantServe.Engine.Tests.Quantization;

public class PrequantizedDetectionTests
{
    private static PrequantizedConfig Declared(string? method, string? format = null) =>
        PrequantizedConfig.Defaults with { QuantMethod = method, CheckpointFormat = format, Source = "config.json quantization_config" };

    [Theory]
    [InlineData("gptq", null, "gptq")]
    [InlineData("awq", null, "awq")]
    [InlineData("exl2", null, "exl2")]
    [InlineData("gptq", "marlin", "marlin")]
    [InlineData("awq", "gptq", "gptq")]
    [InlineData("awq", "marlin", "marlin")]
    [InlineData(null, "gptq", "gptq")]
    [InlineData(null, "exl2", "exl2")]
    [InlineData("exl2", "exl2", "exl2")]
    public void Resolve_FollowsTgiPrecedence(string? declared, string? asked, string expected) =>
        PrequantizedDetection.Resolve(Declared(declared), asked).Should().Be(expected);

    [Fact]
    public void MarlinCheckpointFormat_IsDetectedAsMarlin() =>
        PrequantizedDetection.Resolve(Declared("gptq", "marlin"), null).Should().Be("marlin");

    [Theory]
    [InlineData(null, null)]
    [InlineData(null, "bitsandbytes-nf4")]
    [InlineData("fp8", null)]
    public void NotPrequantized_GivesNoLoader(string? declared, string? asked) =>
        PrequantizedDetection.Resolve(Declared(declared), asked).Should().BeNull();

    [Theory]
    [InlineData("gptq", "exl2", "*--quantize exl2*is gptq-quantized*")]
    [InlineData("exl2", "gptq", "*--quantize gptq*is exl2-quantized*")]
    [InlineData("gptq", "awq", "*--quantize awq*is gptq-quantized*AWQ kernels cannot read GPTQ*")]
    [InlineData("awq", "bitsandbytes", "*--quantize bitsandbytes*is awq-quantized*")]
    [InlineData("fp8", "gptq", "*--quantize gptq*is fp8-quantized*")]
    [InlineData("marlin", "gptq", "*--quantize gptq*is marlin-quantized*")]
    public void Contradictions_SayWhatTheCheckpointIsAndWhatWasAsked(string declared, string asked, string message)
    {
        var act = () => PrequantizedDetection.Resolve(Declared(declared), asked);
        act.Should().Throw<InvalidOperationException>().WithMessage(message);
    }

    [Fact]
    public void UnknownScheme_IsRejected()
    {
        var act = () => PrequantizedDetection.Resolve(Declared(null), "gguf");
        act.Should().Throw<ArgumentException>().WithMessage("*gguf is unknown*");
    }

    [Fact]
    public void LegacyTensors_OverrideTheConfigFiles()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("quantize_config.json", """{"bits":8,"group_size":128}""");
        ckpt.Add("gptq_bits", SafetensorsDType.I32, [], new[] { 4 });
        ckpt.Add("gptq_groupsize", SafetensorsDType.I32, [], new[] { 32 });
        ckpt.AddGptq4("l", 64, 16, 32, false, 1);
        var tensors = ckpt.Open();
        var config = PrequantizedDetection.ApplyLegacyTensors(QuantizationConfigReader.Read(ckpt.Path), tensors);
        config.Should().BeEquivalentTo(new { QuantMethod = "gptq", Bits = 4, GroupSize = 32 });
        using var linear = PrequantizedDetection.CreateLoader(tensors, null)!.LoadLinear("l", 64, 16, false);
        ckpt.AssertForwardMatches(linear, "l", 1);
    }

    [Fact]
    public void MarlinOnAsymmetricGptq_IsRefusedNamingTheParameters()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"gptq","bits":4,"group_size":32,"sym":false}}""");
        ckpt.AddGptq4("l", 64, 16, 32, false, 1);
        var tensors = ckpt.Open();
        var act = () => PrequantizedDetection.CreateLoader(tensors, "marlin");
        act.Should().Throw<InvalidDataException>().WithMessage("*gptq*sym = false*--quantize marlin*");
    }

    [Fact]
    public void Marlin24_IsRefusedClearly()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"marlin","checkpoint_format":"marlin_24","group_size":128}}""");
        ckpt.Add("x", SafetensorsDType.I32, [1], new[] { 0 });
        var tensors = ckpt.Open();
        var act = () => PrequantizedDetection.CreateLoader(tensors, null);
        act.Should().Throw<NotSupportedException>().WithMessage("*marlin_24*not supported*");
    }
}
