using QuantServe.Engine.Calibration;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tools;
using System.Text.Json;

namespace QuantServe.Engine.Tests.Calibration;

public sealed class QuantizeModelTests
{
    // A "text" with structure (a repeated vocabulary walk with variations): calibration windows and the
    // evaluation prompt come from it, as calibration text and served prompts share a language.
    private static readonly int[] Text = Enumerable.Range(0, 6000).Select(i => (i % 50 * 3 + i / 50 % 7 + (i % 11 == 0 ? 100 : 0)) % 240).ToArray();
    private static readonly int[] Prompt = Text[5003..5035];

    private static int[][] Samples(int count, int seqlen, int seed) => CalibrationSampler.Sample(Text[..5000], count, seqlen, seed);

    private static float[] Logits(string directory, bool quantized)
    {
        using var model = LlamaModel.Load(directory, loaderFactory: quantized ? t => PrequantizedDetection.CreateLoader(t, null)! : null);
        if (quantized)
            model.Scheme.Should().Be("gptq");
        using var cache = model.CreateKvCache(Prompt.Length);
        return model.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cache).ToArray();
    }

    private static double RelativeError(float[] actual, float[] expected) =>
        Math.Sqrt(actual.Zip(expected).Sum(p => Math.Pow(p.First - p.Second, 2)) / expected.Sum(v => (double)v * v));

    [Theory]
    [InlineData(8, 32, false, 0.02)]
    [InlineData(4, 32, true, 0.35)]
    public void Output_LoadsThroughTheGptqLoader_WithLogitsCloseToTheOriginal(int bits, int groupSize, bool actOrder, double tolerance)
    {
        using var dir = new TemporaryDirectory();
        var model = dir.Combine("model");
        var output = dir.Combine("gptq");
        ModelMaker.Write(model, new ModelSpec { HiddenSize = 128, IntermediateSize = 256, Layers = 2, Heads = 4, KvHeads = 2 });
        var options = new GptqOptions { Bits = bits, GroupSize = groupSize, ActOrder = actOrder };

        var reports = new List<LayerReport>();
        var summary = GptqModelQuantizer.Quantize(model, output, options, QuantizationMethod.Gptq, Samples(4, 64, seed: 1), reports.Add);

        summary.Layers.Should().Be(14);
        reports.Select(r => (r.Block, r.Layer)).Should().Equal(
            Enumerable.Range(0, 2).SelectMany(b => new[] { "self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj", "self_attn.o_proj", "mlp.up_proj", "mlp.gate_proj", "mlp.down_proj" }.Select(l => (b, l))));
        reports.Should().OnlyContain(r => r.Error > 0);
        Directory.GetDirectories(dir.Path).Should().BeEquivalentTo([model, output], "no partial directory is left");
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json" })
            File.Exists(Path.Combine(output, file)).Should().BeTrue(file);

        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "config.json"))))
        {
            var q = doc.RootElement.GetProperty("quantization_config");
            q.GetProperty("bits").GetInt32().Should().Be(bits);
            q.GetProperty("group_size").GetInt32().Should().Be(groupSize);
            q.GetProperty("desc_act").GetBoolean().Should().Be(actOrder);
            q.GetProperty("sym").GetBoolean().Should().BeTrue();
            q.GetProperty("static_groups").GetBoolean().Should().BeFalse();
            q.GetProperty("damp_percent").GetDouble().Should().Be(0.01);
            q.GetProperty("quant_method").GetString().Should().Be("gptq");
            q.GetProperty("checkpoint_format").GetString().Should().Be("gptq");
        }
        using (var checkpoint = SafetensorsCheckpoint.Open(output))
        {
            checkpoint.Metadata.Should().Contain("format", "pt").And.Contain("quantized", "gptq");
            checkpoint.Contains("model.layers.0.self_attn.q_proj.weight").Should().BeFalse();
            checkpoint.Get("model.layers.1.mlp.down_proj.qweight").Info.Shape.Should().Equal(256 * bits / 32, 128);
            checkpoint.Get("model.layers.1.mlp.down_proj.scales").DType.Should().Be(SafetensorsDType.F16);
            checkpoint.Contains("model.embed_tokens.weight").Should().BeTrue();
        }

        RelativeError(Logits(output, quantized: true), Logits(model, quantized: false)).Should().BeLessThan(tolerance);
    }

    [Fact]
    public void TheSameSeed_GivesTheSameBytes()
    {
        using var dir = new TemporaryDirectory();
        var model = dir.Combine("model");
        ModelMaker.Write(model, new ModelSpec { HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 2, KvHeads = 1 });
        var options = new GptqOptions { GroupSize = 32, ActOrder = true };
        GptqModelQuantizer.Quantize(model, dir.Combine("a"), options, QuantizationMethod.Gptq, Samples(3, 48, seed: 9));
        GptqModelQuantizer.Quantize(model, dir.Combine("b"), options, QuantizationMethod.Gptq, Samples(3, 48, seed: 9));
        GptqModelQuantizer.Quantize(model, dir.Combine("c"), options, QuantizationMethod.Gptq, Samples(3, 48, seed: 10));
        var a = File.ReadAllBytes(dir.Combine("a", "model.safetensors"));
        File.ReadAllBytes(dir.Combine("b", "model.safetensors")).Should().Equal(a);
        File.ReadAllBytes(dir.Combine("c", "model.safetensors")).SequenceEqual(a).Should().BeFalse("other samples give other weights");
    }

    [Fact]
    public void AnAlreadyQuantizedModel_IsRefused_AndNothingIsWritten()
    {
        using var dir = new TemporaryDirectory();
        var model = dir.Combine("model");
        ModelMaker.Write(model, new ModelSpec { HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 2, KvHeads = 1 });
        GptqModelQuantizer.Quantize(model, dir.Combine("q"), new GptqOptions { GroupSize = 32 }, QuantizationMethod.Rtn, null);

        var act = () => GptqModelQuantizer.Quantize(dir.Combine("q"), dir.Combine("again"), new GptqOptions(), QuantizationMethod.Rtn, null);
        act.Should().Throw<InvalidOperationException>().WithMessage("*quant_method gptq*already quantized*");
        var preflight = () => GptqModelQuantizer.Preflight(dir.Combine("q"), dir.Combine("again"), new GptqOptions());
        preflight.Should().Throw<InvalidOperationException>().WithMessage("*already quantized*");
        GptqModelQuantizer.Preflight(model, dir.Combine("fresh"), new GptqOptions { GroupSize = 32 });
        Directory.GetDirectories(dir.Path).Should().BeEquivalentTo([model, dir.Combine("q")]);
    }

    [Fact]
    public void AnUnwritableOutputDirectory_IsReported_AndNothingIsLeft()
    {
        using var dir = new TemporaryDirectory();
        var model = dir.Combine("model");
        ModelMaker.Write(model, new ModelSpec { HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 2, KvHeads = 1 });
        File.WriteAllText(dir.Combine("file"), "not a directory");

        var underFile = () => GptqModelQuantizer.Quantize(model, dir.Combine("file", "out"), new GptqOptions(), QuantizationMethod.Rtn, null);
        underFile.Should().Throw<IOException>().WithMessage("*cannot write the output*file*");
        Directory.CreateDirectory(dir.Combine("full"));
        File.WriteAllText(dir.Combine("full", "x"), "x");
        var notEmpty = () => GptqModelQuantizer.Quantize(model, dir.Combine("full"), new GptqOptions(), QuantizationMethod.Rtn, null);
        notEmpty.Should().Throw<IOException>().WithMessage("*already exists and is not empty*");
        Directory.GetDirectories(dir.Path).Should().BeEquivalentTo([model, dir.Combine("full")]);
    }

    [Fact]
    public void ARunStoppedMidway_LeavesNoOutputAndNoPartialDirectory()
    {
        using var dir = new TemporaryDirectory();
        var model = dir.Combine("model");
        ModelMaker.Write(model, new ModelSpec { HiddenSize = 64, IntermediateSize = 128, Layers = 2, Heads = 2, KvHeads = 1 });
        var act = () => GptqModelQuantizer.Quantize(model, dir.Combine("out"), new GptqOptions { GroupSize = 32 }, QuantizationMethod.Gptq, Samples(2, 32, 1),
            report => { if (report.Block == 1) throw new OperationCanceledException("stopped"); });
        act.Should().Throw<OperationCanceledException>();
        Directory.GetDirectories(dir.Path).Should().BeEquivalentTo([model]);
    }
}
