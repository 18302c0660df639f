using QuantServe.Engine.Calibration;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Tests.Calibration;

public sealed unsafe class CalibrationBlockTests
{
    [Theory]
    [InlineData(ModelArchitecture.Llama, null)]
    [InlineData(ModelArchitecture.Qwen2, null)]
    [InlineData(ModelArchitecture.Mistral, 8)]
    public void BlocksRunInSequence_GiveTheModelsLogits(ModelArchitecture architecture, int? slidingWindow)
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { Architecture = architecture, SlidingWindow = slidingWindow, HiddenSize = 64, IntermediateSize = 96, Layers = 2 });
        var tokens = Enumerable.Range(0, 20).Select(i => (i * 31 + 7) % 200).ToArray();
        float[] expected;
        using (var model = LlamaModel.Load(dir.Path))
        using (var cache = model.CreateKvCache(tokens.Length))
            expected = model.Forward([new SequenceChunk(new KvSequence(), tokens, AllLogits: true)], cache).ToArray();

        var config = ModelConfig.Load(dir.Path);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        var tensors = new CheckpointTensors(checkpoint);
        int h = config.HiddenSize, v = config.VocabSize;
        var hidden = new float[tokens.Length * h];
        using (var embedding = tensors.Matrix("model.embed_tokens.weight", v, h, null))
            for (int t = 0; t < tokens.Length; t++)
                embedding.ReadRow(tokens[t], hidden.AsSpan(t * h, h));
        var seen = new List<BlockInput>();
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            fixed (float* x = hidden)
            {
                using var block = new CalibrationBlock(config, tensors, layer);
                block.Forward(x, tokens.Length, observe: (input, _, rows) =>
                {
                    rows.Should().Be(tokens.Length);
                    seen.Add(input);
                });
            }
        seen.Should().Equal(BlockInput.Attention, BlockInput.AttentionOutput, BlockInput.Mlp, BlockInput.MlpOutput,
            BlockInput.Attention, BlockInput.AttentionOutput, BlockInput.Mlp, BlockInput.MlpOutput);

        var norm = tensors.Vector("model.norm.weight", h);
        var head = config.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
        var lmHead = tensors.Require(head, v, h).ToFloat32();
        var normed = new float[h];
        var logits = new float[v];
        for (int t = 0; t < tokens.Length; t++)
        {
            RmsNorm.Apply(hidden.AsSpan(t * h, h), norm, (float)config.RmsNormEps, normed);
            fixed (float* x = normed, w = lmHead, y = logits)
                MatMul.F32(x, w, y, 1, v, h);
            for (int i = 0; i < v; i++)
                logits[i].Should().BeApproximately(expected[t * v + i], 1e-3f, $"logit {i} of token {t}");
        }
    }

    [Fact]
    public void StopAfter_EndsThePassWithoutTouchingTheResidual()
    {
        using var layer = new OneLayerModel();
        var block = layer.Block;
        var rng = new Random(1);
        var hidden = Enumerable.Range(0, 5 * 64).Select(_ => (float)rng.NextDouble()).ToArray();
        var before = (float[])hidden.Clone();
        var seen = new List<BlockInput>();
        fixed (float* x = hidden)
            block.Forward(x, 5, BlockInput.AttentionOutput, (input, _, _) => seen.Add(input));
        seen.Should().Equal(BlockInput.Attention, BlockInput.AttentionOutput);
        hidden.Should().Equal(before);

        // Stopped after the MLP's input, the attention's residual was already added inside the layer: still untouched.
        fixed (float* x = hidden)
            block.Forward(x, 5, BlockInput.Mlp);
        hidden.Should().Equal(before);
    }

    [Fact]
    public void ReplacedWeights_AreWhatTheNextPassComputesWith()
    {
        using var layer = new OneLayerModel();
        var block = layer.Block;
        var rng = new Random(2);
        var input = Enumerable.Range(0, 3 * 64).Select(_ => (float)rng.NextDouble()).ToArray();
        var first = Output(block, input);

        // The same weight again gives the same output; a zero down_proj (no MLP contribution) another one.
        var original = block.Weight("mlp.down_proj");
        block.ReplaceWeight("mlp.down_proj", (float[])original.Clone());
        Output(block, input).Should().Equal(first);
        block.ReplaceWeight("mlp.down_proj", new float[original.Length]);
        Output(block, input).Should().NotEqual(first);
        block.Weight("mlp.down_proj").Should().OnlyContain(w => w == 0);
        FluentActions.Invoking(() => block.ReplaceWeight("mlp.down_proj", new float[5]))
            .Should().Throw<ArgumentException>().WithMessage("*model.layers.0.mlp.down_proj*5 values*");
    }

    // The block's output for a copy of hidden [tokens x 64].
    private static float[] Output(CalibrationBlock block, float[] hidden)
    {
        var output = (float[])hidden.Clone();
        fixed (float* x = output)
            block.Forward(x, output.Length / 64);
        return output;
    }

    /// <summary>A one-layer random model (hidden 64) on disk and the calibration block of its layer.</summary>
    private sealed class OneLayerModel : IDisposable
    {
        private readonly TemporaryDirectory _directory = new();
        private readonly SafetensorsCheckpoint _checkpoint;

        public OneLayerModel()
        {
            ModelMaker.Write(_directory.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Layers = 1 });
            _checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
            Block = new CalibrationBlock(ModelConfig.Load(_directory.Path), new CheckpointTensors(_checkpoint), 0);
        }

        public CalibrationBlock Block { get; }

        public void Dispose()
        {
            Block.Dispose();
            _checkpoint.Dispose();
            _directory.Dispose();
        }
    }
}
