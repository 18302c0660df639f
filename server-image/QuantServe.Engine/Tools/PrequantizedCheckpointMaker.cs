using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using QuantServe.Engine.Calibration;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;

namespace QuantServe.Engine.Tools;

/// <summary>
/// Makes pre-quantized checkpoints of a bf16 model with random codes (decode speed does not depend on
/// them), each in the layout its loader reads: gptq through the engine's <see cref="GptqCheckpointWriter"/>
/// (what <c>quantserve quantize</c> writes), awq, exl2 and native marlin through <see cref="AwqPacker"/>,
/// <see cref="Exl2Packer"/> and <see cref="MarlinPacker"/> into a <see cref="DerivedCheckpointWriter"/>. Every
/// projection is quantized; embeddings, norms and lm_head are copied. The marlin checkpoint holds the same codes
/// and scales as the 4-bit gptq one, so the two serve the same model.
/// </summary>
public static class PrequantizedCheckpointMaker
{
    public const string Gptq4 = "gptq-4bit-g128", Gptq3 = "gptq-3bit-g128", Gptq8 = "gptq-8bit-g128",
        Gptq4ActOrder = "gptq-4bit-g128-act-order", Awq4 = "awq-4bit-g128", Exl2 = "exl2-4.0bpw",
        Marlin4 = "marlin-4bit-g128";

    public static IReadOnlyList<string> Names { get; } = [Gptq4, Gptq3, Gptq8, Gptq4ActOrder, Awq4, Exl2, Marlin4];

    private const int GroupSize = 128;

    // Bits of exl2's successive 128-row groups: 3-, 4- and 5-bit groups averaging 4.0 bits per weight.
    private static readonly int[] Exl2BitPattern = [3, 4, 5, 4];

    // The safetensors metadata of the awq, exl2 and marlin files (gptq's comes from GptqCheckpointWriter).
    private static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt" };

    /// <summary>Writes the checkpoint <paramref name="name"/> (one of <see cref="Names"/>) of the model in <paramref name="bf16ModelDirectory"/> into <paramref name="outputDirectory"/>.</summary>
    public static void Write(string bf16ModelDirectory, string outputDirectory, string name)
    {
        if (!Names.Contains(name))
            throw new ArgumentException($"unknown pre-quantized checkpoint '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        var config = ModelConfig.Load(bf16ModelDirectory);
        if (config.QuantizationConfig is not null)
            throw new InvalidOperationException($"{Path.Combine(bf16ModelDirectory, "config.json")} has a quantization_config; give the unquantized model");
        var projections = new List<(string Prefix, int OutFeatures, int InFeatures)>();
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            foreach (var group in BlockProjection.SequentialGroups(config))
                foreach (var p in group)
                    projections.Add(($"model.layers.{layer}.{p.Name}", p.OutFeatures, p.InFeatures));
        using var source = SafetensorsCheckpoint.Open(bf16ModelDirectory);
        // A fixed seed per checkpoint: the same files every time they are made. Marlin takes gptq 4-bit's
        // seed and draws its weights in the same order, so both hold the same codes and scales.
        var random = new Random(Array.IndexOf(Names.ToArray(), name == Marlin4 ? Gptq4 : name) + 1);
        switch (name)
        {
            case Gptq4: WriteGptq(outputDirectory, source, projections, 4, false, random); break;
            case Gptq3: WriteGptq(outputDirectory, source, projections, 3, false, random); break;
            case Gptq8: WriteGptq(outputDirectory, source, projections, 8, false, random); break;
            case Gptq4ActOrder: WriteGptq(outputDirectory, source, projections, 4, true, random); break;
            case Awq4: WriteAwq(outputDirectory, source, projections, random); break;
            case Marlin4: WriteMarlin(outputDirectory, source, projections, random); break;
            default: WriteExl2(outputDirectory, source, projections, random); break;
        }
    }

    private static void WriteGptq(string directory, SafetensorsCheckpoint source, List<(string Prefix, int OutFeatures, int InFeatures)> projections, int bits, bool actOrder, Random random)
    {
        var options = new GptqOptions { Bits = bits, GroupSize = GroupSize, Sym = true, ActOrder = actOrder };
        using var writer = new GptqCheckpointWriter(directory, source, options, projections);
        foreach (var (prefix, n, k) in projections)
            writer.Write(prefix, RandomQuantizedWeight.Create(n, k, bits, GroupSize, symmetric: true, actOrder, random));
        writer.Complete();
    }

    private static void WriteAwq(string directory, SafetensorsCheckpoint source, List<(string Prefix, int OutFeatures, int InFeatures)> projections, Random random)
    {
        var planned = new List<(string, SafetensorsDType, long[])>();
        foreach (var (prefix, n, k) in projections)
        {
            int groups = (k + GroupSize - 1) / GroupSize;
            planned.Add((prefix + ".qweight", SafetensorsDType.I32, [k, n / 8]));
            planned.Add((prefix + ".qzeros", SafetensorsDType.I32, [groups, n / 8]));
            planned.Add((prefix + ".scales", SafetensorsDType.F16, [groups, n]));
        }
        using var writer = new DerivedCheckpointWriter(directory, source, planned, Replaced(projections), Metadata);
        foreach (var (prefix, n, k) in projections)
        {
            var (qweight, qzeros, scales) = AwqPacker.Pack(RandomQuantizedWeight.Create(n, k, 4, GroupSize, symmetric: false, actOrder: false, random));
            writer.Write(prefix + ".qweight", MemoryMarshal.AsBytes(qweight.AsSpan()));
            writer.Write(prefix + ".qzeros", MemoryMarshal.AsBytes(qzeros.AsSpan()));
            writer.Write(prefix + ".scales", MemoryMarshal.AsBytes(scales.AsSpan()));
        }
        writer.Complete(new JsonObject
        {
            ["quant_method"] = "awq",
            ["bits"] = 4,
            ["group_size"] = GroupSize,
            ["zero_point"] = true,
            ["version"] = "gemm",
        });
    }

    private static void WriteExl2(string directory, SafetensorsCheckpoint source, List<(string Prefix, int OutFeatures, int InFeatures)> projections, Random random)
    {
        var planned = new List<(string, SafetensorsDType, long[])>();
        foreach (var (prefix, n, k) in projections)
        {
            var groupBits = Exl2GroupBits(prefix, k);
            int groups = groupBits.Length;
            planned.Add((prefix + ".q_weight", SafetensorsDType.I32, [Exl2Packer.WordRows(groupBits, GroupSize), n]));
            planned.Add((prefix + ".q_scale", SafetensorsDType.I32, [groups, n / 8]));
            planned.Add((prefix + ".q_scale_max", SafetensorsDType.F16, [groups]));
            planned.Add((prefix + ".q_groups", SafetensorsDType.I16, [2 * groups]));
            planned.Add((prefix + ".q_invperm", SafetensorsDType.I16, [k]));
        }
        using var writer = new DerivedCheckpointWriter(directory, source, planned, Replaced(projections), Metadata);
        foreach (var (prefix, n, k) in projections)
        {
            var groupBits = Exl2GroupBits(prefix, k);
            int groups = groupBits.Length;
            var order = Enumerable.Range(0, k).ToArray();
            random.Shuffle(order);
            var invperm = new short[k];
            for (int stored = 0; stored < k; stored++)
                invperm[order[stored]] = (short)stored;
            var codes = new byte[(long)n * k];
            random.NextBytes(codes);
            var maskOfInput = new byte[k];
            for (int i = 0; i < k; i++)
                maskOfInput[i] = (byte)((1 << groupBits[invperm[i] / GroupSize]) - 1);
            Parallel.For(0, n, row =>
            {
                for (int i = 0; i < k; i++)
                    codes[(long)row * k + i] &= maskOfInput[i];
            });
            var scaleCodes = new byte[groups * n];
            random.NextBytes(scaleCodes);
            for (int i = 0; i < scaleCodes.Length; i++)
                scaleCodes[i] &= 0xF;
            // Scale codes around 8 give (qs + 1)^2 near 64: scale_max / 256 * 64 is about one step of a 0.02-std weight.
            var scaleMax = groupBits.Select(b => (Half)(0.02 * Math.Sqrt(12) / (1 << b) * 256 / 64)).ToArray();
            var (qWeight, qScale, qGroups) = Exl2Packer.Pack(n, k, codes, groupBits, GroupSize, invperm, scaleCodes);
            writer.Write(prefix + ".q_weight", MemoryMarshal.AsBytes(qWeight.AsSpan()));
            writer.Write(prefix + ".q_scale", MemoryMarshal.AsBytes(qScale.AsSpan()));
            writer.Write(prefix + ".q_scale_max", MemoryMarshal.AsBytes(scaleMax.AsSpan()));
            writer.Write(prefix + ".q_groups", MemoryMarshal.AsBytes(qGroups.AsSpan()));
            writer.Write(prefix + ".q_invperm", MemoryMarshal.AsBytes(invperm.AsSpan()));
        }
        long codeBits = projections.Sum(p => (long)p.OutFeatures * GroupSize * Exl2GroupBits(p.Prefix, p.InFeatures).Sum());
        long weights = projections.Sum(p => (long)p.OutFeatures * p.InFeatures);
        writer.Complete(new JsonObject
        {
            ["quant_method"] = "exl2",
            ["bits"] = Math.Round((double)codeBits / weights, 2),
        });
    }

    private static void WriteMarlin(string directory, SafetensorsCheckpoint source, List<(string Prefix, int OutFeatures, int InFeatures)> projections, Random random)
    {
        var planned = new List<(string, SafetensorsDType, long[])>();
        foreach (var (prefix, n, k) in projections)
        {
            if (k % GroupSize != 0 || n % 64 != 0)
                throw new InvalidOperationException($"'{prefix}' is [{n}, {k}]; marlin with group {GroupSize} needs in_features divisible by {GroupSize} and out_features by 64");
            planned.Add((prefix + ".B", SafetensorsDType.I32, [k / 16, 2 * n]));
            planned.Add((prefix + ".s", SafetensorsDType.F16, [k / GroupSize, n]));
        }
        using var writer = new DerivedCheckpointWriter(directory, source, planned, Replaced(projections), Metadata);
        foreach (var (prefix, n, k) in projections)
        {
            // Drawn exactly as WriteGptq draws the 4-bit weights.
            var (b, s) = MarlinPacker.Pack(RandomQuantizedWeight.Create(n, k, 4, GroupSize, symmetric: true, actOrder: false, random));
            writer.Write(prefix + ".B", MemoryMarshal.AsBytes(b.AsSpan()));
            writer.Write(prefix + ".s", MemoryMarshal.AsBytes(s.AsSpan()));
        }
        writer.Complete(new JsonObject
        {
            ["quant_method"] = "marlin",
            ["bits"] = 4,
            ["group_size"] = GroupSize,
            ["sym"] = true,
            ["desc_act"] = false,
        });
    }

    private static int[] Exl2GroupBits(string prefix, int inFeatures)
    {
        if (inFeatures % GroupSize != 0)
            throw new InvalidOperationException($"'{prefix}' has {inFeatures} inputs, not a multiple of exl2's {GroupSize}-row groups here");
        return Enumerable.Range(0, inFeatures / GroupSize).Select(g => Exl2BitPattern[g % Exl2BitPattern.Length]).ToArray();
    }

    private static HashSet<string> Replaced(List<(string Prefix, int OutFeatures, int InFeatures)> projections) =>
        projections.Select(p => p.Prefix + ".weight").ToHashSet(StringComparer.Ordinal);
}
