using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tests.Checkpoints;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Tools;

public sealed class PrequantizedCheckpointMakerTests
{
    // In features 256 and 384: two and three 128-row groups, so exl2 mixes bit widths in every layer.
    private static readonly ModelSpec Spec = new() { HiddenSize = 256, IntermediateSize = 384, Layers = 1, Heads = 4, KvHeads = 2, DType = WeightDType.BF16 };

    [Theory]
    [InlineData(PrequantizedCheckpointMaker.Gptq4, null, "gptq")]
    [InlineData(PrequantizedCheckpointMaker.Gptq4, "marlin", "marlin")]
    [InlineData(PrequantizedCheckpointMaker.Gptq3, null, "gptq")]
    [InlineData(PrequantizedCheckpointMaker.Gptq8, null, "gptq")]
    [InlineData(PrequantizedCheckpointMaker.Gptq4ActOrder, null, "gptq")]
    [InlineData(PrequantizedCheckpointMaker.Awq4, null, "awq")]
    [InlineData(PrequantizedCheckpointMaker.Exl2, null, "exl2")]
    [InlineData(PrequantizedCheckpointMaker.Marlin4, null, "marlin")]
    [InlineData(PrequantizedCheckpointMaker.Marlin4, "marlin", "marlin")]
    public void Checkpoint_LoadsThroughTheServersLoaderAndDecodes(string name, string? quantize, string scheme)
    {
        using var directory = new TemporaryDirectory();
        string source = Path.Combine(directory.Path, "bf16"), output = Path.Combine(directory.Path, name);
        ModelMaker.Write(source, Spec);
        PrequantizedCheckpointMaker.Write(source, output, name);

        long denseBytes;
        using (var dense = LlamaModel.Load(source))
            denseBytes = dense.WeightBytesPerToken;
        using var model = LlamaModel.Load(output, null, tensors => WeightsLoaderSelector.Select(tensors, quantize, null));
        using var cache = model.CreateKvCache(16);
        var logits = model.Forward([new SequenceChunk(new KvSequence(), new[] { 3, 14, 15 })], cache).ToArray();

        model.Scheme.Should().Be(scheme);
        model.WeightBytesPerToken.Should().BeLessThan(denseBytes);
        logits.Should().HaveCount(model.Config.VocabSize).And.OnlyContain(v => float.IsFinite(v));
        logits.Should().Contain(v => v != 0);
    }

    [Fact]
    public void MarlinCheckpoint_StoresNativeTensorsAndServesTheGptq4CheckpointsModel()
    {
        using var directory = new TemporaryDirectory();
        string source = Path.Combine(directory.Path, "bf16");
        string marlin = Path.Combine(directory.Path, "marlin"), gptq = Path.Combine(directory.Path, "gptq");
        ModelMaker.Write(source, Spec);
        PrequantizedCheckpointMaker.Write(source, marlin, PrequantizedCheckpointMaker.Marlin4);
        PrequantizedCheckpointMaker.Write(source, gptq, PrequantizedCheckpointMaker.Gptq4);

        using (var checkpoint = SafetensorsCheckpoint.Open(marlin))
        {
            var b = checkpoint.Get("model.layers.0.mlp.down_proj.B").Info;
            var s = checkpoint.Get("model.layers.0.mlp.down_proj.s").Info;
            b.DType.Should().Be(SafetensorsDType.I32);
            b.Shape.Should().Equal(384 / 16, 2 * 256);
            s.DType.Should().Be(SafetensorsDType.F16);
            s.Shape.Should().Equal(3, 256);
            checkpoint.TensorNames.Should().NotContain(name => name.StartsWith("model.layers.") && name.EndsWith("_proj.weight"));
        }
        var config = QuantizationConfigReader.Read(marlin);
        (config.QuantMethod, config.Bits, config.GroupSize).Should().Be(("marlin", 4, 128));

        var marlinLogits = Logits(marlin, null, "marlin");
        marlinLogits.Should().Equal(Logits(gptq, null, "gptq"));
        marlinLogits.Should().Equal(Logits(gptq, "marlin", "marlin"));
    }

    [Fact]
    public void ActOrderCheckpoint_HasANonMonotonicGroupIndex()
    {
        using var directory = new TemporaryDirectory();
        string source = Path.Combine(directory.Path, "bf16"), output = Path.Combine(directory.Path, "act-order");
        ModelMaker.Write(source, Spec);
        PrequantizedCheckpointMaker.Write(source, output, PrequantizedCheckpointMaker.Gptq4ActOrder);

        using var checkpoint = SafetensorsCheckpoint.Open(output);
        var gIdx = checkpoint.Get("model.layers.0.mlp.down_proj.g_idx").AsSpan<int>().ToArray();
        gIdx.Should().HaveCount(384);
        gIdx.Should().NotBeInAscendingOrder();
        gIdx.GroupBy(g => g).Select(g => g.Count()).Should().AllBeEquivalentTo(128);
    }

    [Fact]
    public void Marlin_RefusesAModelWhoseProjectionsItCannotTile()
    {
        using var directory = new TemporaryDirectory();
        ModelMaker.Write(directory.Path, Spec with { IntermediateSize = 320 });

        var act = () => PrequantizedCheckpointMaker.Write(directory.Path, Path.Combine(directory.Path, "out"), PrequantizedCheckpointMaker.Marlin4);

        act.Should().Throw<InvalidOperationException>().WithMessage("*mlp.*_proj*320*marlin*");
        Directory.Exists(Path.Combine(directory.Path, "out")).Should().BeFalse();
    }

    [Fact]
    public void UnknownName_IsRefusedWithTheKnownNames()
    {
        using var directory = new TemporaryDirectory();
        ModelMaker.Write(directory.Path, Spec);

        var act = () => PrequantizedCheckpointMaker.Write(directory.Path, Path.Combine(directory.Path, "out"), "gptq-5bit");

        act.Should().Throw<ArgumentException>().WithMessage("*gptq-5bit*gptq-4bit-g128*");
    }

    private static float[] Logits(string checkpointDirectory, string? quantize, string scheme)
    {
        using var model = LlamaModel.Load(checkpointDirectory, null, tensors => WeightsLoaderSelector.Select(tensors, quantize, null));
        model.Scheme.Should().Be(scheme);
        using var cache = model.CreateKvCache(16);
        return model.Forward([new SequenceChunk(new KvSequence(), new[] { 3, 14, 15 })], cache).ToArray();
    }
}
