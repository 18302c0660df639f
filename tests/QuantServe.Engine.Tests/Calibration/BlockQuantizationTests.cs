using QuantServe.Engine.Calibration;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Calibration;

public sealed unsafe class BlockQuantizationTests
{
    /// <summary>
    /// Every projection of a model's first block, calibrated on some windows of a text and measured on
    /// other windows: GPTQ's output error ||WX - QX||^2 is below RTN's (by 30-50% except for down_proj,
    /// whose 256 inputs 1024 calibration tokens barely cover: there at least 5%), with the groups
    /// quantized earlier already in place, as the driver runs them.
    /// </summary>
    [Fact]
    public void OnRealBlockActivations_GptqOutputErrorIsBelowRtnForEveryProjection()
    {
        using var dir = new TemporaryDirectory();
        ModelMaker.Write(dir.Path, new ModelSpec { HiddenSize = HiddenSize, IntermediateSize = 256, Layers = 1, Heads = 4, KvHeads = 2 });
        var config = ModelConfig.Load(dir.Path);
        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        var tensors = new CheckpointTensors(checkpoint);
        var text = Enumerable.Range(0, 6000).Select(i => (i % 50 * 3 + i / 50 % 7 + (i % 11 == 0 ? 100 : 0)) % 240).ToArray();
        var calibration = Embed(config, tensors, CalibrationSampler.Sample(text, 16, 64, seed: 2));
        var heldOut = Embed(config, tensors, CalibrationSampler.Sample(text, 4, 64, seed: 3));
        using var block = new CalibrationBlock(config, tensors, 0);
        var options = new GptqOptions { Bits = 3, GroupSize = 32 };
        foreach (var group in BlockProjection.SequentialGroups(config))
        {
            var input = group[0].Input;
            var hessian = new HessianAccumulator(group[0].InFeatures);
            Capture(block, calibration, input, (x, rows) => hessian.Add((float*)x, rows));
            var test = new List<float>();
            Capture(block, heldOut, input, (x, rows) => test.AddRange(new Span<float>((float*)x, rows * group[0].InFeatures).ToArray()));
            var x = test.ToArray();
            var prepared = GptqSolver.Prepare(hessian.ToHessian(), group[0].InFeatures, options);
            foreach (var p in group)
            {
                var w = block.Weight(p.Name);
                var gptq = GptqSolver.Quantize(w, p.OutFeatures, prepared, options).Dequantize();
                var rtn = RoundToNearest.Quantize(w, p.OutFeatures, p.InFeatures, options).Dequantize();
                int rows = x.Length / p.InFeatures;
                double gptqError = CorrelatedInputs.OutputError(w, gptq, x, p.OutFeatures, p.InFeatures, rows);
                double rtnError = CorrelatedInputs.OutputError(w, rtn, x, p.OutFeatures, p.InFeatures, rows);
                gptqError.Should().BeLessThan(0.95 * rtnError, $"{p.Name}: GPTQ {gptqError:G4} vs RTN {rtnError:G4}");
                block.ReplaceWeight(p.Name, gptq);
            }
        }
    }

    private const int HiddenSize = 128;

    private static List<float[]> Embed(ModelConfig config, CheckpointTensors tensors, int[][] samples)
    {
        int h = config.HiddenSize;
        using var embedding = tensors.Matrix("model.embed_tokens.weight", config.VocabSize, h, null);
        return samples.Select(s =>
        {
            var x = new float[s.Length * h];
            for (int t = 0; t < s.Length; t++)
                embedding.ReadRow(s[t], x.AsSpan(t * h, h));
            return x;
        }).ToList();
    }

    private static void Capture(CalibrationBlock block, List<float[]> samples, BlockInput input, Action<IntPtr, int> onInput)
    {
        foreach (var sample in samples)
        {
            var copy = (float[])sample.Clone();
            fixed (float* x = copy)
                block.Forward(x, copy.Length / HiddenSize, input, (seen, values, rows) =>
                {
                    if (seen == input)
                        onInput(values, rows);
                });
        }
    }
}
