using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tests.Checkpoints;

namespace QuantServe.Engine.Tests.Quantization;

public class QuantizationConfigReaderTests
{
    [Fact]
    public void ConfigJsonQuantizationConfig_WinsOverTheOtherFiles()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.File("config.json"),
            """{"model_type":"llama","quantization_config":{"quant_method":"gptq","bits":3,"group_size":64,"desc_act":true,"sym":true,"checkpoint_format":"gptq_v2","modules_to_not_convert":["lm_head"]}}""");
        File.WriteAllText(dir.File("quantize_config.json"), """{"bits":8,"group_size":32}""");
        File.WriteAllText(dir.File("quant_config.json"), """{"w_bit":2,"q_group_size":16}""");
        var c = QuantizationConfigReader.Read(dir.Path);
        c.Should().BeEquivalentTo(new { QuantMethod = "gptq", Bits = 3, GroupSize = 64, DescAct = true, Sym = true, CheckpointFormat = "gptq_v2" });
        c.ModulesToNotConvert.Should().Equal("lm_head");
        c.Source.Should().Contain("config.json");
    }

    [Fact]
    public void QuantizeConfigJson_IsReadWhenConfigJsonHasNoQuantizationConfig_AndGemmVersionMeansAwq()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.File("config.json"), """{"model_type":"llama"}""");
        File.WriteAllText(dir.File("quantize_config.json"), """{"bits":4,"group_size":128,"zero_point":true,"version":"GEMM"}""");
        File.WriteAllText(dir.File("quant_config.json"), """{"w_bit":2,"q_group_size":16}""");
        var c = QuantizationConfigReader.Read(dir.Path);
        c.Should().BeEquivalentTo(new { QuantMethod = "awq", Bits = 4, GroupSize = 128, Sym = false });
    }

    [Fact]
    public void QuantConfigJson_UsesAutoAwqKeyNames()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.File("quant_config.json"), """{"w_bit":4,"q_group_size":64,"zero_point":false,"version":"GEMM"}""");
        var c = QuantizationConfigReader.Read(dir.Path);
        c.Should().BeEquivalentTo(new { QuantMethod = "awq", Bits = 4, GroupSize = 64, Sym = true, DescAct = false });
    }

    [Fact]
    public void NoConfig_GivesTgiDefaults()
    {
        using var dir = new TemporaryDirectory();
        QuantizationConfigReader.Read(dir.Path).Should().BeEquivalentTo(
            new { QuantMethod = (string?)null, Bits = 4, GroupSize = -1, DescAct = false, Sym = false });
    }

    [Fact]
    public void MistypedField_IsReportedWithFileAndKey()
    {
        using var dir = new TemporaryDirectory();
        File.WriteAllText(dir.File("config.json"), """{"quantization_config":{"quant_method":"gptq","bits":"four"}}""");
        var act = () => QuantizationConfigReader.Read(dir.Path);
        act.Should().Throw<InvalidDataException>().WithMessage("*config.json*'bits' must be an integer*");
    }
}
