using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tests.Checkpoints;
using QuantServe.Engine.Tools;

namespace QuantServe.Engine.Tests.Quantization;

/// <summary>
/// A random Llama whose every projection is packed in one pre-quantized format is served through the
/// detected loader; its logits must match the same model with the packer's dequantized fp32 weights.
/// </summary>
public sealed class PrequantizedModelTests
{
    private static readonly int[] Prompt = [5, 77, 3, 140, 200, 9, 64, 33];

    // Every out/in is a multiple of 64, which all formats (marlin the strictest) can hold.
    private static readonly ModelSpec Spec = new() { HiddenSize = 64, IntermediateSize = 128, Heads = 4, KvHeads = 4, Layers = 2 };

    [Theory]
    [InlineData("gptq", """{"quant_method":"gptq","bits":4,"group_size":32,"desc_act":true}""")]
    [InlineData("awq", """{"quant_method":"awq","bits":4,"group_size":32,"zero_point":true}""")]
    [InlineData("exl2", """{"quant_method":"exl2","bits":6.0}""")]
    [InlineData("marlin", """{"quant_method":"marlin","bits":4,"group_size":-1}""")]
    public void Logits_MatchTheDequantizedDenseModel(string format, string quantizationConfig)
    {
        using var quantized = new PrequantizedTestCheckpoint();
        using var dense = new TemporaryDirectory();
        ModelMaker.Write(quantized.Path, Spec);
        ModelMaker.Write(dense.Path, Spec);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(quantized.Path, "config.json")))!.AsObject();
        config["quantization_config"] = JsonNode.Parse(quantizationConfig);
        File.WriteAllText(Path.Combine(quantized.Path, "config.json"), config.ToJsonString());

        var denseTensors = new List<TensorData>();
        using (var original = SafetensorsCheckpoint.Open(dense.Path))
        {
            int seed = 0;
            foreach (string name in original.TensorNames.ToList())
            {
                var view = original.Get(name);
                bool projection = name.StartsWith("model.layers.", StringComparison.Ordinal) && name.EndsWith("_proj.weight", StringComparison.Ordinal);
                if (!projection)
                {
                    var raw = new TensorData(name, view.DType, view.Info.Shape, view.Bytes.ToArray());
                    quantized.AddRaw(raw);
                    denseTensors.Add(raw);
                    continue;
                }
                string prefix = name[..^".weight".Length];
                int n = (int)view.Dim(0), k = (int)view.Dim(1);
                switch (format)
                {
                    case "gptq": quantized.AddGptq4(prefix, k, n, 32, actOrder: true, ++seed); break;
                    case "awq": quantized.AddAwq(prefix, k, n, 32, ++seed); break;
                    case "exl2": quantized.AddExl2(prefix, k, n, ++seed); break;
                    default: quantized.AddMarlin(prefix, k, n, ++seed); break;
                }
                var weights = quantized.Expected[prefix].Select(v => (float)v).ToArray();
                denseTensors.Add(new TensorData(name, SafetensorsDType.F32, [n, k], MemoryMarshal.AsBytes(weights.AsSpan()).ToArray()));
            }
        }
        SafetensorsWriter.Write(Path.Combine(dense.Path, SafetensorsWriter.SingleFileName), denseTensors);
        quantized.Open().Checkpoint.Dispose();

        using var model = LlamaModel.Load(quantized.Path, loaderFactory: t => PrequantizedDetection.CreateLoader(t, null)!);
        using var reference = LlamaModel.Load(dense.Path);
        model.Scheme.Should().Be(format);
        model.WeightBytesPerToken.Should().BeLessThan(reference.WeightBytesPerToken);
        RelativeError(Logits(model), Logits(reference)).Should().BeLessThan(1e-4, format);
    }

    private static float[] Logits(LlamaModel model)
    {
        using var cache = model.CreateKvCache(32);
        return model.Forward([new SequenceChunk(new KvSequence(), Prompt, AllLogits: true)], cache).ToArray();
    }

    private static double RelativeError(float[] actual, float[] expected)
    {
        actual.Length.Should().Be(expected.Length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        return maxDiff / maxRef;
    }
}
