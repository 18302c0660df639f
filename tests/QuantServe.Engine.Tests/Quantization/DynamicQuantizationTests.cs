using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Quantization;

public class DynamicQuantizationTests
{
    private const int In = 256, Out = 48, Rows = 3;

    // Relative output error against the fp32 layer for normal weights and uniform activations: about the
    // square root of each format's weight NMSE (docs/QUANTIZATION-ERROR-BOUNDS.md) with head-room.
    [Theory]
    [InlineData("bitsandbytes", 0.02)]
    [InlineData("bitsandbytes-nf4", 0.12)]
    [InlineData("bitsandbytes-fp4", 0.16)]
    [InlineData("eetq", 0.02)]
    [InlineData("fp8", 0.05)]
    public void FloatCheckpoint_QuantizedAtLoad_StaysCloseToTheFp32Layer(string scheme, double bound)
    {
        float[] w = LinearRunner.Normal(Out * In, 1, 0.05f);
        float[] bias = LinearRunner.Normal(Out, 2);
        float[] x = LinearRunner.Normal(Rows * In, 3);
        using var builder = new CheckpointBuilder()
            .AddFloat("layer.weight", w, Out, In)
            .AddFloat("layer.bias", bias, Out);
        IWeightsLoader loader = QuantizationSchemes.Create(scheme, builder.OpenTensors(), dtype: null);

        using ILinear linear = loader.LoadLinear("layer", In, Out, hasBias: true);

        loader.Scheme.Should().Be(scheme);
        linear.InFeatures.Should().Be(In);
        linear.OutFeatures.Should().Be(Out);
        double error = LinearRunner.RelativeError(LinearRunner.Forward(linear, x, Rows), LinearRunner.Reference(x, w, bias, Rows, Out, In));
        error.Should().BeLessThan(bound, $"{scheme} relative error {error:E3}");
        error.Should().BeGreaterThan(0, "the weights were quantized");
    }

    [Theory]
    [InlineData("bitsandbytes-nf4", 0.30)]
    [InlineData("bitsandbytes-fp4", 0.30)]
    [InlineData("bitsandbytes", 0.55)]
    [InlineData("eetq", 0.55)]
    [InlineData("fp8", 0.55)]
    public void WeightBytes_AreWithinTheIssueLimitsRelativeToBf16(string scheme, double limit)
    {
        const int inFeatures = 1024, outFeatures = 256;
        using var builder = new CheckpointBuilder().AddFloat("p.weight", LinearRunner.Normal(inFeatures * outFeatures, 4), outFeatures, inFeatures);
        using ILinear linear = QuantizationSchemes.Create(scheme, builder.OpenTensors(), null).LoadLinear("p", inFeatures, outFeatures, false);
        linear.WeightBytes.Should().BeLessThanOrEqualTo((long)(limit * inFeatures * outFeatures * 2));
        linear.WeightBytes.Should().BeGreaterThan(inFeatures * outFeatures / 4, "a 4-bit weight needs at least half a byte");
    }

    [Fact]
    public void Bf16Weights_AreQuantizedLikeTheirFp32Values()
    {
        float[] w = LinearRunner.Normal(Out * In, 5, 0.05f);
        ushort[] bf16 = w.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();
        float[] widened = bf16.Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray();
        float[] x = LinearRunner.Normal(In, 6);
        using var fromBf16 = new CheckpointBuilder().Add("l.weight", SafetensorsDType.BF16, [Out, In], bf16);
        using var fromF32 = new CheckpointBuilder().AddFloat("l.weight", widened, Out, In);

        using ILinear a = new EetqLoader(fromBf16.OpenTensors()).LoadLinear("l", In, Out, false);
        using ILinear b = new EetqLoader(fromF32.OpenTensors()).LoadLinear("l", In, Out, false);

        LinearRunner.Forward(a, x, 1).Should().Equal(LinearRunner.Forward(b, x, 1));
    }

    [Fact]
    public void IntegerWeights_AreRefusedWithFileTensorAndLayer()
    {
        using var builder = new CheckpointBuilder().Add("model.layers.0.mlp.up_proj.weight", SafetensorsDType.I32, [4, 8], new int[32]);
        var act = () => new Fp8Loader(builder.OpenTensors()).LoadLinear("model.layers.0.mlp.up_proj", 8, 4, false);
        act.Should().Throw<InvalidDataException>()
            .WithMessage("*layer 'model.layers.0.mlp.up_proj'*tensor 'model.layers.0.mlp.up_proj.weight' is I32[4, 8]*F32, F16 or BF16*");
    }

    [Fact]
    public void WrongShape_NamesLayerTensorAndBothShapes()
    {
        using var builder = new CheckpointBuilder().AddFloat("q.weight", new float[8 * 16], 8, 16);
        var act = () => new BitsandbytesInt8Loader(builder.OpenTensors(), null).LoadLinear("q", 16, 9, false);
        act.Should().Throw<InvalidDataException>().WithMessage("*layer 'q'*'q.weight' has shape [8, 16], expected [9, 16]*");
    }
}
