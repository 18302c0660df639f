using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Quantization;

public sealed class WeightsLoaderSelectorTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly SafetensorsCheckpoint _checkpoint;

    public WeightsLoaderSelectorTests()
    {
        ModelMaker.Write(_dir.Path, new ModelSpec { HiddenSize = 128, IntermediateSize = 256, Layers = 1, DType = WeightDType.BF16 });
        _checkpoint = SafetensorsCheckpoint.Open(_dir.Path);
    }

    public void Dispose()
    {
        _checkpoint.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void AFloatCheckpointWithoutQuantize_IsServedDense()
    {
        WeightsLoaderSelector.Select(new CheckpointTensors(_checkpoint), null, null).Scheme.Should().Be("none");
    }

    [Theory]
    [InlineData("bitsandbytes")]
    [InlineData("bitsandbytes-nf4")]
    [InlineData("bitsandbytes-fp4")]
    [InlineData("eetq")]
    [InlineData("fp8")]
    public void LoadTimeSchemes_QuantizeTheFloatWeights(string scheme)
    {
        var loader = WeightsLoaderSelector.Select(new CheckpointTensors(_checkpoint), scheme, null);
        loader.Scheme.Should().Be(scheme);
        using var linear = loader.LoadLinear("model.layers.0.mlp.gate_proj", 128, 256, hasBias: false);
        linear.WeightBytes.Should().BeLessThan(128 * 256 * 2, "quantized weights take less than bf16");
    }

    [Fact]
    public void EveryScheme_ServesTheModel()
    {
        using var dense = LlamaModel.Load(_dir.Path);
        foreach (var scheme in QuantizationSchemes.Names)
        {
            using var model = LlamaModel.Load(_dir.Path, loaderFactory: t => WeightsLoaderSelector.Select(t, scheme, null));
            model.Scheme.Should().Be(scheme);
            model.WeightBytesPerToken.Should().BeLessThan(dense.WeightBytesPerToken);
        }
    }

    [Fact]
    public void AnUnknownScheme_ListsTheKnownOnes()
    {
        var act = () => WeightsLoaderSelector.Select(new CheckpointTensors(_checkpoint), "int3", null);
        act.Should().Throw<ArgumentException>().WithMessage("--quantize 'int3' is not a quantization scheme; choose one of bitsandbytes, bitsandbytes-nf4, bitsandbytes-fp4, eetq, fp8, gptq, awq, marlin, exl2");
    }

    [Fact]
    public void DtypeWithANonBitsandbytesScheme_IsTgisError()
    {
        var act = () => WeightsLoaderSelector.Select(new CheckpointTensors(_checkpoint), "eetq", WeightDType.F16);
        act.Should().Throw<ArgumentException>().WithMessage(QuantizationSchemes.DTypeConflictMessage);
        WeightsLoaderSelector.Select(new CheckpointTensors(_checkpoint), "bitsandbytes", WeightDType.F16).Scheme.Should().Be("bitsandbytes");
    }

    [Fact]
    public void APrequantizedSchemeOnAFloatCheckpoint_NamesTheMissingTensor()
    {
        var act = () =>
        {
            using var model = LlamaModel.Load(_dir.Path, loaderFactory: t => WeightsLoaderSelector.Select(t, "gptq", null));
        };
        act.Should().Throw<Exception>().WithMessage("*model.layers.0.self_attn.q_proj.qweight*");
    }
}
