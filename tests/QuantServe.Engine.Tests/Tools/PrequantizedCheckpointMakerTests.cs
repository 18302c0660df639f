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
    public void UnknownName_IsRefusedWithTheKnownNames()
    {
        using var directory = new TemporaryDirectory();
        ModelMaker.Write(directory.Path, Spec);

        var act = () => PrequantizedCheckpointMaker.Write(directory.Path, Path.Combine(directory.Path, "out"), "gptq-5bit");

        act.Should().Throw<ArgumentException>().WithMessage("*gptq-5bit*gptq-4bit-g128*");
    }
}
