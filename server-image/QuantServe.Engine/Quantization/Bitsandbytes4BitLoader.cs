using System.Text;
using System.Text.Json;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// <c>--quantize bitsandbytes-nf4 | bitsandbytes-fp4</c>: float weights are quantized at load like TGI does
/// (block 64, compress_statistics = true: double-quantized absmax). Pre-quantized 4-bit checkpoints saved by
/// transformers are used as is, whichever of nf4 / fp4 their quant state names:
/// <code>
/// {prefix}.weight                     U8  [ceil(out*in/2), 1]  packed codes (see Bnb4BitWeights)
/// {prefix}.weight.quant_map           F32 [16]
/// {prefix}.weight.absmax              U8 [blocks] (double-quantized) or F32 [blocks]
/// {prefix}.weight.nested_absmax       F32 [ceil(blocks / nested_blocksize)]   (double-quantized only)
/// {prefix}.weight.nested_quant_map    F32 [256]                                (double-quantized only)
/// {prefix}.weight.quant_state.bitsandbytes__nf4 (or __fp4)  U8 [bytes of JSON]: quant_type, blocksize,
///     dtype, shape [out, in], and when nested: nested_blocksize, nested_dtype, nested_offset
/// </code>
/// </summary>
public sealed class Bitsandbytes4BitLoader(CheckpointTensors tensors, Bnb4BitType type, WeightDType? dtype) : IWeightsLoader
{
    public const string Nf4Name = "bitsandbytes-nf4";
    public const string Fp4Name = "bitsandbytes-fp4";
    public const string QuantStatePrefix = ".weight.quant_state.bitsandbytes__";

    public string Scheme => type == Bnb4BitType.Nf4 ? Nf4Name : Fp4Name;

    /// <summary>The --dtype given with the scheme (TGI allows it for bitsandbytes); activations stay fp32 on the CPU.</summary>
    public WeightDType? DType => dtype;

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias) =>
        LoaderErrors.ForLayer(Scheme, prefix, () =>
        {
            Bnb4BitWeights packed = FindQuantState(prefix) is { } state
                ? LoadPreQuantized(prefix, state.Name, state.Type, inFeatures, outFeatures)
                : Bnb4BitWeights.Quantize(
                    type,
                    LoaderErrors.FloatWeight(tensors.Require(prefix + ".weight", outFeatures, inFeatures), Scheme),
                    outFeatures, inFeatures, doubleQuantize: true);
            float[]? bias = hasBias ? tensors.Vector(prefix + ".bias", outFeatures) : null;
            string scheme = packed.Type == Bnb4BitType.Nf4 ? Nf4Name : Fp4Name;
            unsafe
            {
                return new QuantizedLinear(scheme, inFeatures, outFeatures, packed.Bytes,
                    (x, y, rows) => Bnb4BitMatMul.Multiply(packed, x, y, rows), bias);
            }
        });

    private (string Name, Bnb4BitType Type)? FindQuantState(string prefix)
    {
        foreach (var (suffix, stateType) in new[] { ("nf4", Bnb4BitType.Nf4), ("fp4", Bnb4BitType.Fp4) })
        {
            string name = prefix + QuantStatePrefix + suffix;
            if (tensors.Contains(name))
            {
                return (name, stateType);
            }
        }

        return null;
    }

    private Bnb4BitWeights LoadPreQuantized(string prefix, string stateName, Bnb4BitType stateType, int inFeatures, int outFeatures)
    {
        TensorView stateTensor = tensors.Checkpoint.Get(stateName);
        if (stateTensor.DType != SafetensorsDType.U8 || stateTensor.Rank != 1)
        {
            throw LoaderErrors.Unexpected(stateTensor, "a 1-D U8 tensor holding the quant state as JSON");
        }

        QuantState state = QuantState.Parse(stateTensor);
        if (state.QuantType != (stateType == Bnb4BitType.Nf4 ? "nf4" : "fp4"))
        {
            throw new InvalidDataException($"{stateTensor.FilePath}: tensor '{stateName}' says quant_type '{state.QuantType}', which contradicts its name.");
        }

        if (state.Shape is not [long rows, long cols] || rows != outFeatures || cols != inFeatures)
        {
            throw new InvalidDataException(
                $"{stateTensor.FilePath}: tensor '{stateName}' gives shape [{string.Join(", ", state.Shape ?? [])}], expected [{outFeatures}, {inFeatures}] from config.json.");
        }

        long elements = (long)outFeatures * inFeatures;
        long blocks = (elements + state.BlockSize - 1) / state.BlockSize;
        TensorView weight = tensors.Checkpoint.Get(prefix + ".weight");
        if (weight.DType != SafetensorsDType.U8 || weight.ElementCount != (elements + 1) / 2 || weight.Rank is < 1 or > 2)
        {
            throw LoaderErrors.Unexpected(weight, $"U8[{(elements + 1) / 2}, 1]: {elements} packed 4-bit codes of [{outFeatures}, {inFeatures}]");
        }

        float[] codebook = Floats(prefix + ".weight.quant_map", 16);
        if (state.NestedOffset is not { } offset)
        {
            return Bnb4BitWeights.FromPlainAbsmax(
                stateType, outFeatures, inFeatures, state.BlockSize, weight.Bytes, codebook, Floats(prefix + ".weight.absmax", blocks));
        }

        TensorView absmaxCodes = tensors.Require(prefix + ".weight.absmax", blocks);
        if (absmaxCodes.DType != SafetensorsDType.U8)
        {
            throw LoaderErrors.Unexpected(absmaxCodes, "U8 absmax codes (the quant state is nested)");
        }

        long nestedBlocks = (blocks + state.NestedBlockSize - 1) / state.NestedBlockSize;
        return Bnb4BitWeights.FromDoubleQuantized(
            stateType, outFeatures, inFeatures, state.BlockSize, weight.Bytes, codebook,
            absmaxCodes.Bytes, Floats(prefix + ".weight.nested_absmax", nestedBlocks),
            Floats(prefix + ".weight.nested_quant_map", 256), state.NestedBlockSize, offset);
    }

    private float[] Floats(string name, long length)
    {
        TensorView tensor = tensors.Require(name, length);
        if (tensor.DType != SafetensorsDType.F32)
        {
            throw LoaderErrors.Unexpected(tensor, $"F32[{length}]");
        }

        return tensor.AsSpan<float>().ToArray();
    }

    private sealed record QuantState(string QuantType, int BlockSize, long[]? Shape, int NestedBlockSize, float? NestedOffset)
    {
        public static QuantState Parse(TensorView tensor)
        {
            string json = Encoding.UTF8.GetString(tensor.Bytes).TrimEnd('\0');
            try
            {
                using JsonDocument document = JsonDocument.Parse(json);
                JsonElement root = document.RootElement;
                string quantType = root.GetProperty("quant_type").GetString() ?? "";
                int blockSize = root.GetProperty("blocksize").GetInt32();
                long[]? shape = root.TryGetProperty("shape", out JsonElement s) && s.ValueKind == JsonValueKind.Array
                    ? s.EnumerateArray().Select(d => d.GetInt64()).ToArray()
                    : null;
                bool nested = root.TryGetProperty("nested_offset", out JsonElement offset);
                int nestedBlockSize = nested ? root.GetProperty("nested_blocksize").GetInt32() : Bnb4BitWeights.DefaultNestedBlockSize;
                if (blockSize < 2 || nestedBlockSize < 1)
                {
                    throw new InvalidDataException($"{tensor.FilePath}: tensor '{tensor.Name}' has blocksize {blockSize} / nested_blocksize {nestedBlockSize}.");
                }

                return new QuantState(quantType, blockSize, shape, nestedBlockSize, nested ? offset.GetSingle() : null);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{tensor.FilePath}: tensor '{tensor.Name}' is not a bitsandbytes quant state ({e.Message}): {json}", e);
            }
        }
    }
}
