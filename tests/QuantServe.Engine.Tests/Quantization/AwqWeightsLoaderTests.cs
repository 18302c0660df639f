using QuantServe.Engine.Quantization;

namespace QuantServe.Engine.Tests.Quantization;

public class AwqWeightsLoaderTests
{
    private const string Layer = "model.layers.0.mlp.gate_proj";

    [Theory]
    [InlineData(null, "awq")]
    [InlineData("marlin", "marlin")]
    public void Awq_LoadsAndMatches(string? quantize, string scheme)
    {
        using var ckpt = new PrequantizedTestCheckpoint();
        ckpt.WriteFile("quant_config.json", """{"w_bit":4,"q_group_size":32,"zero_point":true,"version":"GEMM"}""");
        ckpt.AddAwq(Layer, 96, 40, 32, 2);
        var loader = PrequantizedDetection.CreateLoader(ckpt.Open(), quantize)!;
        loader.Scheme.Should().Be(scheme);
        using var linear = loader.LoadLinear(Layer, 96, 40, false);
        ckpt.AssertForwardMatches(linear, Layer, 1);
        ckpt.AssertForwardMatches(linear, Layer, 7);
    }
}
