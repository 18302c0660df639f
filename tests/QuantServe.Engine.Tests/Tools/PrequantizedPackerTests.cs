using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using QuantServe.Engine.Calibration;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tests.Checkpoints;
using QuantServe.Engine.Tools;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Tools;

/// <summary>
/// The awq, exl2 and marlin packers against the engine's loaders: a projection packed from known codes and
/// written with <see cref="StreamedCheckpointWriter"/> must load as exactly the matrix the codes mean.
/// </summary>
public sealed class PrequantizedPackerTests
{
    private const string Prefix = "model.layers.0.mlp.down_proj";
    private const int N = 256, K = 384;
    private static readonly ModelSpec Spec = new() { HiddenSize = 256, IntermediateSize = 384, Layers = 1, Heads = 4, KvHeads = 2, DType = WeightDType.BF16 };

    [Fact]
    public void Awq_LoadsAsTheIntendedMatrix_UnderAwqGptqAndMarlin()
    {
        var q = RandomQuantizedWeight.Create(N, K, 4, 128, symmetric: false, actOrder: false, new Random(3));
        var (qweight, qzeros, scales) = AwqPacker.Pack(q);
        using var directory = new TemporaryDirectory();
        string checkpoint = Write(directory, "awq",
            [
                new TensorData(Prefix + ".qweight", SafetensorsDType.I32, [K, N / 8], Bytes(qweight)),
                new TensorData(Prefix + ".qzeros", SafetensorsDType.I32, [3, N / 8], Bytes(qzeros)),
                new TensorData(Prefix + ".scales", SafetensorsDType.F16, [3, N], Bytes(scales)),
            ],
            new JsonObject { ["quant_method"] = "awq", ["bits"] = 4, ["group_size"] = 128, ["zero_point"] = true, ["version"] = "gemm" });

        var expected = q.Dequantize();
        foreach (var quantize in new string?[] { null, "gptq", "marlin" })
            LoadedMatrix(checkpoint, quantize).Should().Equal(expected, $"--quantize {quantize ?? "(none)"} reads the same weights");
    }

    [Fact]
    public void Exl2_WithMixedBitWidthsAndAPermutation_LoadsAsTheIntendedMatrix()
    {
        int[] groupBits = [5, 3, 8];
        var random = new Random(4);
        var order = Enumerable.Range(0, K).ToArray();
        random.Shuffle(order);
        var invperm = new short[K];
        for (int stored = 0; stored < K; stored++)
            invperm[order[stored]] = (short)stored;
        var codes = new byte[N * K];
        for (int r = 0; r < N; r++)
            for (int i = 0; i < K; i++)
                codes[r * K + i] = (byte)random.Next(1 << groupBits[invperm[i] / 128]);
        var scaleCodes = Enumerable.Range(0, 3 * N).Select(_ => (byte)random.Next(16)).ToArray();
        Half[] scaleMax = [(Half)0.05, (Half)0.2, (Half)0.003];
        var (qWeight, qScale, qGroups) = Exl2Packer.Pack(N, K, codes, groupBits, 128, invperm, scaleCodes);
        int wordRows = Exl2Packer.WordRows(groupBits, 128);
        using var directory = new TemporaryDirectory();
        string checkpoint = Write(directory, "exl2",
            [
                new TensorData(Prefix + ".q_weight", SafetensorsDType.I32, [wordRows, N], Bytes(qWeight)),
                new TensorData(Prefix + ".q_scale", SafetensorsDType.I32, [3, N / 8], Bytes(qScale)),
                new TensorData(Prefix + ".q_scale_max", SafetensorsDType.F16, [3], Bytes(scaleMax)),
                new TensorData(Prefix + ".q_groups", SafetensorsDType.I16, [6], Bytes(qGroups)),
                new TensorData(Prefix + ".q_invperm", SafetensorsDType.I16, [K], Bytes(invperm)),
            ],
            new JsonObject { ["quant_method"] = "exl2", ["bits"] = 5.33 });

        // exllamav2's scale, in half precision: (qs + 1)^2 * fp16(q_scale_max / 256).
        var expected = new float[N * K];
        for (int r = 0; r < N; r++)
            for (int i = 0; i < K; i++)
            {
                int g = invperm[i] / 128, bits = groupBits[g], qs = scaleCodes[g * N + r];
                float scale = (float)(Half)((qs + 1) * (qs + 1) * (float)(Half)((float)scaleMax[g] / 256f));
                expected[r * K + i] = scale * (codes[r * K + i] - (1 << (bits - 1)));
            }
        wordRows.Should().Be(128 * (5 + 3 + 8) / 32);
        LoadedMatrix(checkpoint, null).Should().Equal(expected);
    }

    // Shapes the loader allows but Marlin's own Layer does not (K not a multiple of 128, N not of 256), a single
    // 128-row group (stored with the single-group scale shuffle), and the 1B model's grouped case.
    [Theory]
    [InlineData(192, 144, -1)]
    [InlineData(64, 16, -1)]
    [InlineData(320, 384, 128)]
    [InlineData(64, 128, 128)]
    [InlineData(256, 384, 128)]
    public void Marlin_LoadsAsTheIntendedMatrix(int n, int k, int groupSize)
    {
        var q = RandomQuantizedWeight.Create(n, k, 4, groupSize, symmetric: true, actOrder: false, new Random(n + k));
        var (b, s) = MarlinPacker.Pack(q);
        int groups = groupSize == 128 ? k / 128 : 1;
        b.Should().HaveCount(k / 16 * 2 * n);
        s.Should().HaveCount(groups * n);
        using var directory = new TemporaryDirectory();
        string checkpoint = Write(directory, "marlin",
            [
                new TensorData(Prefix + ".B", SafetensorsDType.I32, [k / 16, 2 * n], Bytes(b)),
                new TensorData(Prefix + ".s", SafetensorsDType.F16, [groups, n], Bytes(s)),
            ],
            new JsonObject { ["quant_method"] = "marlin", ["bits"] = 4, ["group_size"] = groupSize });

        LoadedMatrix(checkpoint, null, k, n).Should().Equal(q.Dequantize());
    }

    [Fact]
    public void Marlin_StoresScalesAsHalfs()
    {
        var q = RandomQuantizedWeight.Create(64, 256, 4, 128, symmetric: true, actOrder: false, new Random(6));
        q.Scales[70] = 0.0123456789f; // group 1, column 6: not a half

        var (_, s) = MarlinPacker.Pack(q);

        // _scale_perm stores value i + 8j of each 64 at position 8i + j: column 6 of group 1 at 64 + 48.
        s[64 + 48].Should().Be((Half)0.0123456789f);
    }

    [Fact]
    public void Marlin_RefusesWeightsItCannotStore()
    {
        var random = new Random(7);
        var cases = new (QuantizedWeight Weight, string Message)[]
        {
            (RandomQuantizedWeight.Create(64, 256, 4, 128, symmetric: false, actOrder: false, random), "*symmetric*"),
            (RandomQuantizedWeight.Create(64, 256, 4, 128, symmetric: true, actOrder: true, random), "*g_idx*act-order*"),
            (RandomQuantizedWeight.Create(64, 256, 8, 128, symmetric: true, actOrder: false, random), "*4-bit*8 bits*"),
            (RandomQuantizedWeight.Create(64, 256, 4, 64, symmetric: true, actOrder: false, random), "*group size*64*"),
            (RandomQuantizedWeight.Create(96, 256, 4, 128, symmetric: true, actOrder: false, random), "*out_features 96*64*"),
            (RandomQuantizedWeight.Create(64, 200, 4, -1, symmetric: true, actOrder: false, random), "*in_features 200*16*"),
        };
        foreach (var (weight, message) in cases)
        {
            var act = () => MarlinPacker.Pack(weight);
            act.Should().Throw<ArgumentException>().WithMessage(message);
        }
    }

    [Fact]
    public void Awq_RefusesAnActOrderWeight()
    {
        var q = RandomQuantizedWeight.Create(N, K, 4, 128, symmetric: false, actOrder: true, new Random(5));

        var act = () => AwqPacker.Pack(q);

        act.Should().Throw<ArgumentException>().WithMessage("*g_idx*act-order*");
    }

    [Fact]
    public void Exl2_RefusesACodeWiderThanItsGroup()
    {
        var codes = new byte[8 * 128];
        codes[5] = 8; // input 5 is stored in the only group, 3 bits wide
        var invperm = Enumerable.Range(0, 128).Select(i => (short)i).ToArray();

        var act = () => Exl2Packer.Pack(8, 128, codes, [3], 128, invperm, new byte[8]);

        act.Should().Throw<ArgumentException>().WithMessage("*code 8*3 bits*");
    }

    private static string Write(TemporaryDirectory directory, string name, TensorData[] tensors, JsonObject quantizationConfig)
    {
        string source = Path.Combine(directory.Path, "bf16"), output = Path.Combine(directory.Path, name);
        ModelMaker.Write(source, Spec);
        using var checkpoint = SafetensorsCheckpoint.Open(source);
        using var writer = new DerivedCheckpointWriter(
            output, checkpoint, tensors.Select(t => (t.Name, t.DType, t.Shape)).ToList(),
            new HashSet<string> { Prefix + ".weight" }, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var tensor in tensors)
            writer.Write(tensor.Name, tensor.Data.Span);
        writer.Complete(quantizationConfig);
        return output;
    }

    // The loaded projection's W [N x K], read column by column through forwards of the identity.
    private static float[] LoadedMatrix(string checkpointDirectory, string? quantize) => LoadedMatrix(checkpointDirectory, quantize, K, N);

    private static unsafe float[] LoadedMatrix(string checkpointDirectory, string? quantize, int k, int n)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);
        var loader = WeightsLoaderSelector.Select(new CheckpointTensors(checkpoint), quantize, null);
        using var linear = loader.LoadLinear(Prefix, k, n, hasBias: false);
        var identity = new float[k * k];
        for (int i = 0; i < k; i++)
            identity[i * k + i] = 1;
        var columns = new float[k * n];
        fixed (float* x = identity)
        fixed (float* y = columns)
            linear.Forward(x, y, k);
        var w = new float[n * k];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < k; i++)
                w[r * k + i] = columns[i * n + r];
        return w;
    }

    private static byte[] Bytes<T>(T[] values) where T : struct => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
