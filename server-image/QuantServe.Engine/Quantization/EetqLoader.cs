using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// <c>--quantize eetq</c>: W8A16, per-output-channel symmetric int8 weights, fp32 activations
/// (<see cref="EetqMatMul"/>). Float weights are quantized at load. Unlike TGI (its issue 1805) this also
/// loads EETQ checkpoints, in the layout <see cref="Save"/> writes:
/// <code>
/// {prefix}.weight        I8  [out, in]   codes, W ~= weight * weight_scale[row]
/// {prefix}.weight_scale  F32 [out]       absmax(row) / 127
/// {prefix}.bias          (unchanged)
/// config.json: "quantization_config": {"quant_method": "eetq", "bits": 8, "format": "quantserve-w8a16-per-channel"}
/// safetensors metadata: {"format": "pt", "quantized": "eetq"}
/// </code>
/// </summary>
public sealed class EetqLoader(CheckpointTensors tensors) : IWeightsLoader
{
    public const string Name = "eetq";
    public const string ScaleSuffix = ".weight_scale";

    public string Scheme => Name;

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias) =>
        LoaderErrors.ForLayer(Name, prefix, () =>
        {
            TensorView weight = tensors.Require(prefix + ".weight", outFeatures, inFeatures);
            Int8RowWeights packed;
            if (weight.DType == SafetensorsDType.I8)
            {
                TensorView scale = tensors.Require(prefix + ScaleSuffix, outFeatures);
                packed = new Int8RowWeights(weight.AsSpan<sbyte>(), LoaderErrors.RowScales(scale, outFeatures), outFeatures, inFeatures);
            }
            else
            {
                packed = Int8RowWeights.Quantize(LoaderErrors.FloatWeight(weight, Name), outFeatures, inFeatures);
            }

            float[]? bias = hasBias ? tensors.Vector(prefix + ".bias", outFeatures) : null;
            unsafe
            {
                return new QuantizedLinear(Name, inFeatures, outFeatures, packed.Bytes,
                    (x, y, rows) => EetqMatMul.Multiply(packed, x, y, rows), bias);
            }
        });

    /// <summary>
    /// Writes an EETQ checkpoint of <paramref name="source"/> into <paramref name="outputDirectory"/>: every
    /// tensor <paramref name="isLinearWeight"/> accepts (2-D F32/F16/BF16, named <c>*.weight</c>) becomes
    /// int8 + <c>weight_scale</c>, everything else is copied unchanged; the other files of the model directory
    /// (config.json, tokenizer) are copied, config.json with the quantization_config above.
    /// </summary>
    /// <returns>The prefixes that were quantized.</returns>
    public static IReadOnlyList<string> Save(
        SafetensorsCheckpoint source, string outputDirectory, Func<string, bool>? isLinearWeight = null, long maxShardBytes = 4L << 30)
    {
        ArgumentNullException.ThrowIfNull(source);
        isLinearWeight ??= IsProjectionWeight;
        var output = new List<TensorData>();
        var quantized = new List<string>();
        foreach (string name in source.TensorNames)
        {
            TensorView tensor = source.Get(name);
            bool quantize = name.EndsWith(".weight", StringComparison.Ordinal) && tensor.Rank == 2
                && LoaderErrors.IsFloat(tensor.DType) && isLinearWeight(name);
            if (!quantize)
            {
                output.Add(new TensorData(name, tensor.DType, tensor.Info.Shape, tensor.Bytes.ToArray()));
                continue;
            }

            int rows = checked((int)tensor.Dim(0)), cols = checked((int)tensor.Dim(1));
            Int8RowWeights packed = Int8RowWeights.Quantize(tensor.ToFloat32(), rows, cols);
            string prefix = name[..^".weight".Length];
            output.Add(new TensorData(name, SafetensorsDType.I8, [rows, cols], MemoryMarshal.AsBytes(packed.Codes).ToArray()));
            output.Add(new TensorData(prefix + ScaleSuffix, SafetensorsDType.F32, [rows], MemoryMarshal.AsBytes(packed.Scales).ToArray()));
            quantized.Add(prefix);
        }

        Directory.CreateDirectory(outputDirectory);
        SafetensorsWriter.WriteSharded(outputDirectory, output, maxShardBytes, new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["quantized"] = Name,
        });
        CopyModelFiles(source.DirectoryPath, outputDirectory);
        return quantized;
    }

    /// <summary>Default choice of what <see cref="Save"/> quantizes: projections, not embeddings, lm_head or norms (as TGI).</summary>
    public static bool IsProjectionWeight(string name) =>
        !name.Contains("embed", StringComparison.Ordinal) && !name.Contains("lm_head", StringComparison.Ordinal)
        && !name.Contains("norm", StringComparison.Ordinal) && !name.Contains(".wte.", StringComparison.Ordinal)
        && !name.Contains(".wpe.", StringComparison.Ordinal);

    private static void CopyModelFiles(string sourceDirectory, string outputDirectory)
    {
        foreach (string file in Directory.EnumerateFiles(sourceDirectory))
        {
            string fileName = Path.GetFileName(file);
            if (fileName.EndsWith(".safetensors", StringComparison.Ordinal) || fileName.EndsWith(".safetensors.index.json", StringComparison.Ordinal))
            {
                continue;
            }

            string target = Path.Combine(outputDirectory, fileName);
            if (fileName == "config.json")
            {
                JsonNode config = JsonNode.Parse(File.ReadAllText(file))
                    ?? throw new InvalidDataException($"{file}: config.json is empty");
                config["quantization_config"] = new JsonObject
                {
                    ["quant_method"] = Name,
                    ["bits"] = 8,
                    ["format"] = "quantserve-w8a16-per-channel",
                };
                File.WriteAllText(target, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                File.Copy(file, target, overwrite: true);
            }
        }
    }
}
