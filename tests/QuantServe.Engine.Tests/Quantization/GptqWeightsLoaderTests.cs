using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Quantization;

namespace QuantServe.Engine.Tests.Quantization;

public class GptqWeightsLoaderTests
{
    private const string Layer = "model.layers.0.self_attn.q_proj";

    [Theory]
    [InlineData(32, false, 1)]
    [InlineData(32, true, 1)]
    [InlineData(-1, false, 5)]
    [InlineData(64, true, 6)]
    public void Gptq_LoadsAndMatchesTheDequantizedProduct(int groupSize, bool actOrder, int rows)
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        string act = actOrder ? "true" : "false";
        ckpt.WriteFile("config.json", "{\"quantization_config\":{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":" + groupSize + ",\"desc_act\":" + act + "}}");
        ckpt.AddGptq4(Layer, 128, 48, groupSize, actOrder, 3);
        ckpt.Add(Layer + ".bias", SafetensorsDType.F32, [48], new float[48]);
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), null)!;
        loader.Scheme.Should().Be("gptq");
        using var linear = loader.LoadLinear(Layer, 128, 48, hasBias: true);
        linear.WeightBytes.Should().BeGreaterThan(0).And.BeLessThan(128L * 48 * 2);
        ckpt.AssertForwardMatches(linear, Layer, rows);
    }

    [Fact]
    public void AwqCheckpointWithQuantizeGptq_IsConvertedAndMatches()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"awq","bits":4,"group_size":32,"zero_point":true,"version":"gemm"}}""");
        ckpt.AddAwq(Layer, 64, 32, 32, 9);
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), "gptq")!;
        loader.Scheme.Should().Be("gptq");
        using var linear = loader.LoadLinear(Layer, 64, 32, false);
        ckpt.AssertForwardMatches(linear, Layer, 2);
    }

    [Fact]
    public void ModulesToNotConvert_AreLoadedDense()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"gptq","bits":4,"group_size":32,"modules_to_not_convert":["mlp.gate"]}}""");
        var dense = Enumerable.Range(0, 16 * 32).Select(i => (float)Math.Sin(i)).ToArray();
        ckpt.Add("model.layers.0.mlp.gate.weight", SafetensorsDType.F32, [16, 32], dense);
        ckpt.Expected["model.layers.0.mlp.gate"] = dense.Select(v => (double)v).ToArray();
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), null)!;
        using var linear = loader.LoadLinear("model.layers.0.mlp.gate", 32, 16, false);
        linear.Should().NotBeOfType<GptqLinear>();
        ckpt.AssertForwardMatches(linear, "model.layers.0.mlp.gate", 2);
    }

    [Fact]
    public void MissingTensor_NamesTheLayerAndTheTensor()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"gptq","bits":4,"group_size":32}}""");
        ckpt.AddGptq4(Layer, 64, 16, 32, false, 1);
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), null)!;
        var act = () => loader.LoadLinear("model.layers.1.mlp.up_proj", 64, 16, false);
        act.Should().Throw<InvalidDataException>().WithMessage("*layer 'model.layers.1.mlp.up_proj'*'model.layers.1.mlp.up_proj.qweight' is missing*");
    }

    [Fact]
    public void WrongShape_NamesTheTensorAndBothShapes()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"gptq","bits":4,"group_size":32}}""");
        ckpt.AddGptq4(Layer, 64, 16, 32, false, 1);
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), null)!;
        var act = () => loader.LoadLinear(Layer, 64, 24, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"*'{Layer}.qweight' has shape [8, 16], expected [8, 24]*");
    }

    [Fact]
    public void GIdxOutOfRange_NamesTheLayerAndTheTensor()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"gptq","bits":4,"group_size":32,"desc_act":true}}""");
        ckpt.Add(Layer + ".qweight", SafetensorsDType.I32, [8, 16], new int[8 * 16]);
        ckpt.Add(Layer + ".qzeros", SafetensorsDType.I32, [2, 2], new int[4]);
        ckpt.Add(Layer + ".scales", SafetensorsDType.F16, [2, 16], new Half[32]);
        ckpt.Add(Layer + ".g_idx", SafetensorsDType.I32, [64], Enumerable.Range(0, 64).Select(i => i == 7 ? 9 : i / 32).ToArray());
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), null)!;
        var act = () => loader.LoadLinear(Layer, 64, 16, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"layer '{Layer}': tensor '{Layer}.g_idx': g_idx[7] = 9 is outside [0, 2)*");
    }

    [Fact]
    public void UnsupportedBits_AreRejectedNamingTheConfig()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"gptq","bits":5,"group_size":32}}""");
        ckpt.Add("x", SafetensorsDType.I32, [1], new[] { 0 });
        var tensors = ckpt.Open();
        var act = () => PrequantizedDetection.CreateLoader(tensors, null);
        act.Should().Throw<InvalidDataException>().WithMessage("*config.json*bits = 5*supported: 2, 3, 4, 8*");
    }
}
