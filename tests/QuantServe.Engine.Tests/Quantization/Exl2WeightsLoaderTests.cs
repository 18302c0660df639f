using QuantServe.Engine.Quantization;

namespace QuantServe.Engine.Tests.Quantization;

public class Exl2WeightsLoaderTests
{
    private const string Layer = "model.layers.0.mlp.down_proj";

    [Fact]
    public void Exl2_WithTwoBitWidthsInALayer_LoadsAndMatches()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("config.json", """{"quantization_config":{"quant_method":"exl2","bits":4.65}}""");
        ckpt.AddExl2(Layer, 128, 24, 4);
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), null)!;
        loader.Scheme.Should().Be("exl2");
        using var linear = loader.LoadLinear(Layer, 128, 24, false);
        ckpt.AssertForwardMatches(linear, Layer, 1);
        ckpt.AssertForwardMatches(linear, Layer, 4);
    }

    [Fact]
    public void MissingInversePermutation_NamesTheLayerAndTheTensor()
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.AddExl2(Layer, 64, 8, 4);
        var tensors = ckpt.Open();
        var loader = PrequantizedDetection.CreateLoader(tensors, "exl2")!;
        var act = () => loader.LoadLinear("model.layers.0.mlp.up_proj", 64, 8, false);
        act.Should().Throw<InvalidDataException>().WithMessage("*layer 'model.layers.0.mlp.up_proj'*up_proj.q_groups' is missing*");
    }
}
