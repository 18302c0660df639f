using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Tests.Quantization;

public class PreQuantizedCheckpointTests
{
    private const string Layer = "model.layers.0.self_attn.q_proj";
    private const int In = 128, Out = 20;

    // The tensors transformers saves for a Linear4bit (QuantState.as_dict(packed=True)).
    private static CheckpointBuilder Bnb4BitCheckpoint(Bnb4BitWeights packed, string prefix = Layer)
    {
        string type = packed.Type == Bnb4BitType.Nf4 ? "nf4" : "fp4";
        var state = new Dictionary<string, object>
        {
            ["quant_type"] = type,
            ["blocksize"] = packed.BlockSize,
            ["dtype"] = "bfloat16",
            ["shape"] = new[] { packed.Rows, packed.Cols },
        };
        var builder = new CheckpointBuilder()
            .Add(prefix + ".weight", SafetensorsDType.U8, [packed.Packed.Length, 1], packed.Packed.ToArray())
            .AddFloat(prefix + ".weight.quant_map", packed.Codebook.ToArray(), 16);
        if (packed.IsDoubleQuantized)
        {
            state["nested_blocksize"] = packed.NestedBlockSize;
            state["nested_dtype"] = "float32";
            state["nested_offset"] = packed.Offset;
            builder.Add(prefix + ".weight.absmax", SafetensorsDType.U8, [packed.AbsmaxCodes.Length], packed.AbsmaxCodes.ToArray())
                .AddFloat(prefix + ".weight.nested_absmax", packed.NestedAbsmax.ToArray(), packed.NestedAbsmax.Length)
                .AddFloat(prefix + ".weight.nested_quant_map", packed.NestedMap.ToArray(), 256);
        }
        else
        {
            float[] absmax = Enumerable.Range(0, packed.BlockCount).Select(packed.BlockAbsmax).ToArray();
            builder.AddFloat(prefix + ".weight.absmax", absmax, absmax.Length);
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(state));
        return builder.Add(prefix + ".weight.quant_state.bitsandbytes__" + type, SafetensorsDType.U8, [json.Length], json);
    }

    private static float[] Expected(Bnb4BitWeights packed, float[] x, int rows)
    {
        var y = new float[rows * packed.Rows];
        Bnb4BitMatMul.Multiply(packed, x, y, rows);
        return y;
    }

    [Theory]
    [InlineData(Bnb4BitType.Nf4, true, "bitsandbytes-nf4")]
    [InlineData(Bnb4BitType.Fp4, true, "bitsandbytes-fp4")]
    [InlineData(Bnb4BitType.Nf4, false, "bitsandbytes-nf4")]
    public void Bnb4BitCheckpoint_IsUsedAsSaved(Bnb4BitType type, bool doubleQuantized, string scheme)
    {
        var packed = Bnb4BitWeights.Quantize(type, LinearRunner.Normal(Out * In, 1, 0.05f), Out, In, doubleQuantized);
        using var builder = Bnb4BitCheckpoint(packed);
        var checkpoint = builder.Open();
        float[] x = LinearRunner.Normal(2 * In, 2);

        QuantizationSchemes.DetectPreQuantized(checkpoint).Should().Be(scheme);
        // The checkpoint's quant_type wins over the flag's: the data is what it is.
        using ILinear linear = QuantizationSchemes.Create(Bitsandbytes4BitLoader.Nf4Name, new CheckpointTensors(checkpoint), WeightDType.BF16)
            .LoadLinear(Layer, In, Out, hasBias: false);

        LinearRunner.Forward(linear, x, 2).Should().Equal(Expected(packed, x, 2));
        linear.WeightBytes.Should().Be(packed.Bytes);
    }

    [Theory]
    [InlineData(".weight.nested_absmax")]
    [InlineData(".weight.quant_map")]
    [InlineData(".weight.absmax")]
    public void Bnb4BitCheckpoint_MissingTensor_NamesLayerAndTensor(string suffix)
    {
        var packed = Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, LinearRunner.Normal(Out * In, 3), Out, In);
        using var builder = Bnb4BitCheckpoint(packed).Remove(Layer + suffix);
        var act = () => new Bitsandbytes4BitLoader(builder.OpenTensors(), Bnb4BitType.Nf4, null).LoadLinear(Layer, In, Out, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"*layer '{Layer}'*'{Layer}{suffix}'*");
    }

    [Fact]
    public void Bnb4BitCheckpoint_MisshapenAbsmax_NamesLayerTensorAndShapes()
    {
        var packed = Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, LinearRunner.Normal(Out * In, 3), Out, In);
        using var builder = Bnb4BitCheckpoint(packed).Replace(Layer + ".weight.absmax", SafetensorsDType.U8, [7], new byte[7]);
        var act = () => new Bitsandbytes4BitLoader(builder.OpenTensors(), Bnb4BitType.Nf4, null).LoadLinear(Layer, In, Out, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"*layer '{Layer}'*'{Layer}.weight.absmax' has shape [7], expected [40]*");
    }

    [Fact]
    public void Bnb4BitCheckpoint_ForAnotherShape_IsRefused()
    {
        var packed = Bnb4BitWeights.Quantize(Bnb4BitType.Fp4, LinearRunner.Normal(Out * In, 3), Out, In);
        using var builder = Bnb4BitCheckpoint(packed);
        var act = () => new Bitsandbytes4BitLoader(builder.OpenTensors(), Bnb4BitType.Fp4, null).LoadLinear(Layer, In * 2, Out / 2, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"*gives shape [{Out}, {In}], expected [{Out / 2}, {In * 2}]*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fp8Checkpoint_WithScalarOrPerRowScale_MultipliesCodesTimesScale(bool perRow)
    {
        float[] w = LinearRunner.Normal(Out * In, 4, 0.05f);
        float[] scales = perRow ? Enumerable.Range(1, Out).Select(i => i / 1000f).ToArray() : [0.002f];
        byte[] codes = w.Select(v => Fp8E4M3.FromSingle(v * 448f / 0.2f)).ToArray();
        float[] dequantized = codes.Select((c, e) => Fp8E4M3.ToSingle(c) * scales[perRow ? e / In : 0]).ToArray();
        using var builder = new CheckpointBuilder()
            .Add(Layer + ".weight", SafetensorsDType.F8_E4M3, [Out, In], codes)
            .AddFloat(Layer + ".weight_scale", scales, perRow ? [Out] : [])
            .AddFloat(Layer + ".input_scale", [0.5f], [])
            .AddFloat(Layer + ".bias", Enumerable.Repeat(1f, Out).ToArray(), Out);
        var checkpoint = builder.Open();
        float[] x = LinearRunner.Normal(3 * In, 5);

        QuantizationSchemes.DetectPreQuantized(checkpoint).Should().Be("fp8");
        var loader = new Fp8Loader(new CheckpointTensors(checkpoint));
        using ILinear linear = loader.LoadLinear(Layer, In, Out, hasBias: true);

        double[] reference = LinearRunner.Reference(x, dequantized, Enumerable.Repeat(1f, Out).ToArray(), 3, Out, In);
        LinearRunner.RelativeError(LinearRunner.Forward(linear, x, 3), reference).Should().BeLessThan(1e-6);
        loader.InputScales[Layer].Should().Be(0.5f);
    }

    [Fact]
    public void Fp8Checkpoint_MisshapenScale_NamesLayerAndTensor()
    {
        using var builder = new CheckpointBuilder()
            .Add(Layer + ".weight", SafetensorsDType.F8_E4M3, [Out, In], new byte[Out * In])
            .AddFloat(Layer + ".weight_scale", [1f, 2f, 3f], 3);
        var act = () => new Fp8Loader(builder.OpenTensors()).LoadLinear(Layer, In, Out, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"*layer '{Layer}'*'{Layer}.weight_scale' is F32[3]*one scale per output row*");
    }

    [Fact]
    public void Fp8Checkpoint_WithBlockScales_IsRefusedWithAnExplanation()
    {
        using var builder = new CheckpointBuilder()
            .Add(Layer + ".weight", SafetensorsDType.F8_E4M3, [Out, In], new byte[Out * In])
            .AddFloat(Layer + ".weight_scale_inv", [1f], 1, 1);
        var act = () => new Fp8Loader(builder.OpenTensors()).LoadLinear(Layer, In, Out, false);
        act.Should().Throw<InvalidDataException>().WithMessage("*weight_scale_inv*block-wise*");
    }

    [Fact]
    public void Bitsandbytes8BitCheckpoint_UsesCodesAndRowAbsmax()
    {
        var packed = Int8RowWeights.Quantize(LinearRunner.Normal(Out * In, 6), Out, In);
        using var builder = new CheckpointBuilder()
            .Add(Layer + ".weight", SafetensorsDType.I8, [Out, In], packed.Codes.ToArray())
            .AddFloat(Layer + ".SCB", packed.Scales.ToArray().Select(s => s * 127f).ToArray(), Out);
        var checkpoint = builder.Open();
        float[] x = LinearRunner.Normal(In, 7);
        var expected = new float[Out];
        LlmInt8MatMul.Multiply(packed, x, expected, 1);

        QuantizationSchemes.DetectPreQuantized(checkpoint).Should().Be("bitsandbytes");
        using ILinear linear = new BitsandbytesInt8Loader(new CheckpointTensors(checkpoint), null).LoadLinear(Layer, In, Out, false);
        float[] actual = LinearRunner.Forward(linear, x, 1);
        for (int j = 0; j < Out; j++)
        {
            actual[j].Should().BeApproximately(expected[j], 1e-5f * (1 + Math.Abs(expected[j])));
        }
    }

    [Fact]
    public void EetqSave_WritesACheckpointThatLoadsToTheSameLayer()
    {
        float[] w = LinearRunner.Normal(Out * In, 8, 0.05f);
        float[] embed = LinearRunner.Normal(10 * In, 9);
        using var source = new CheckpointBuilder()
            .AddFloat(Layer + ".weight", w, Out, In)
            .AddFloat("model.embed_tokens.weight", embed, 10, In)
            .AddFloat("model.norm.weight", Enumerable.Repeat(1f, In).ToArray(), In);
        var checkpoint = source.Open(config: """{"model_type": "llama", "hidden_size": 128}""");
        string output = Path.Combine(source.Directory, "eetq");

        IReadOnlyList<string> quantized = EetqLoader.Save(checkpoint, output);

        quantized.Should().Equal(Layer);
        using var saved = SafetensorsCheckpoint.Open(output);
        QuantizationSchemes.DetectPreQuantized(saved).Should().Be("eetq");
        saved.Get(Layer + ".weight").DType.Should().Be(SafetensorsDType.I8);
        saved.Get("model.embed_tokens.weight").DType.Should().Be(SafetensorsDType.F32, "embeddings stay in their dtype");
        JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json")))
            .RootElement.GetProperty("quantization_config").GetProperty("quant_method").GetString().Should().Be("eetq");

        float[] x = LinearRunner.Normal(2 * In, 10);
        using ILinear fromSaved = new EetqLoader(new CheckpointTensors(saved)).LoadLinear(Layer, In, Out, false);
        using ILinear dynamic = new EetqLoader(new CheckpointTensors(checkpoint)).LoadLinear(Layer, In, Out, false);
        LinearRunner.Forward(fromSaved, x, 2).Should().Equal(LinearRunner.Forward(dynamic, x, 2));
    }

    [Fact]
    public void EetqCheckpoint_MissingScale_NamesLayerAndTensor()
    {
        using var builder = new CheckpointBuilder().Add(Layer + ".weight", SafetensorsDType.I8, [Out, In], new sbyte[Out * In]);
        var act = () => new EetqLoader(builder.OpenTensors()).LoadLinear(Layer, In, Out, false);
        act.Should().Throw<InvalidDataException>().WithMessage($"*layer '{Layer}'*'{Layer}.weight_scale'*");
    }

    [Fact]
    public void FloatCheckpoint_IsNotDetectedAsQuantized()
    {
        using var builder = new CheckpointBuilder().AddFloat("a.weight", new float[4], 2, 2);
        QuantizationSchemes.DetectPreQuantized(builder.Open()).Should().BeNull();
    }
}
