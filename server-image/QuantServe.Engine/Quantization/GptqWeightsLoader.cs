using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// GPTQ checkpoints: <c>{prefix}.qweight</c> I32 [K*bits/32, N], <c>.qzeros</c> I32 [G, N*bits/32],
/// <c>.scales</c> F16 [G, N], optional <c>.g_idx</c> I32 [K] (see <see cref="GptqFormat"/>), with
/// G = ceil(K / group_size) (1 for group_size -1). An AWQ checkpoint served with <c>--quantize gptq</c>
/// is converted to GPTQ packing first, as TGI does (<see cref="AwqFormat.ToGptq"/>).
/// </summary>
public sealed class GptqWeightsLoader : IWeightsLoader
{
    private readonly CheckpointTensors _tensors;
    private readonly PrequantizedConfig _config;

    public GptqWeightsLoader(CheckpointTensors tensors, PrequantizedConfig config)
    {
        _tensors = tensors;
        _config = config;
        bool awq = config.QuantMethod == "awq";
        if (awq ? config.Bits != 4 : Array.IndexOf(GptqFormat.SupportedBits, config.Bits) < 0)
            throw new InvalidDataException(
                $"{config.Source}: bits = {config.Bits} is not supported by {(awq ? "awq" : "gptq")}; supported: {(awq ? "4" : "2, 3, 4, 8")}.");
    }

    public string Scheme => "gptq";

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias)
    {
        if (PrequantizedTensors.NotConverted(_config, prefix))
            return new DenseWeightsLoader(_tensors, null).LoadLinear(prefix, inFeatures, outFeatures, hasBias);
        var bias = PrequantizedTensors.Bias(_tensors, prefix, outFeatures, hasBias);
        return new GptqLinear(_config.QuantMethod == "awq" ? LoadConverted(prefix, inFeatures, outFeatures) : Load(prefix, inFeatures, outFeatures), bias);
    }

    private GptqMatrix Load(string prefix, int k, int n)
    {
        int bits = _config.Bits;
        int groups = Groups(k);
        if ((long)k * bits % 32 != 0 || (long)n * bits % 32 != 0)
            throw new InvalidDataException(
                $"layer '{prefix}': [{n}, {k}] cannot hold {bits}-bit gptq codes: in and out features times bits must be multiples of 32.");
        var qweight = PrequantizedTensors.Require(_tensors, "gptq", prefix, "qweight", (long)k * bits / 32, n);
        var qzeros = PrequantizedTensors.Require(_tensors, "gptq", prefix, "qzeros", groups, (long)n * bits / 32);
        var scales = PrequantizedTensors.Require(_tensors, "gptq", prefix, "scales", groups, n);
        ReadOnlySpan<int> gIdx = default;
        if (_tensors.Contains(prefix + ".g_idx"))
            gIdx = PrequantizedTensors.Int32s(_tensors.Require(prefix + ".g_idx", k));
        else if (_config.DescAct)
            throw new InvalidDataException($"layer '{prefix}': tensor '{prefix}.g_idx' is missing but {_config.Source} says desc_act = true (act-order needs it).");
        bool zeroOffset = _config.CheckpointFormat != "gptq_v2";
        try
        {
            return GptqFormat.Create(k, n, bits, _config.GroupSize, zeroOffset,
                PrequantizedTensors.Int32s(qweight), PrequantizedTensors.Int32s(qzeros), PrequantizedTensors.Halfs(scales), gIdx);
        }
        catch (ArgumentException e)
        {
            throw PrequantizedTensors.Describe(prefix, e);
        }
    }

    private GptqMatrix LoadConverted(string prefix, int k, int n)
    {
        int groups = Groups(k);
        if (n % 8 != 0)
            throw new InvalidDataException($"layer '{prefix}': out_features {n} is not a multiple of 8, which awq packing needs.");
        var qweight = PrequantizedTensors.Require(_tensors, "awq", prefix, "qweight", k, n / 8);
        var qzeros = PrequantizedTensors.Require(_tensors, "awq", prefix, "qzeros", groups, n / 8);
        var scales = PrequantizedTensors.Halfs(PrequantizedTensors.Require(_tensors, "awq", prefix, "scales", groups, n));
        try
        {
            var (gptqWeight, gptqZeros) = AwqFormat.ToGptq(k, n, _config.GroupSize,
                PrequantizedTensors.Int32s(qweight), PrequantizedTensors.Int32s(qzeros), scales);
            return GptqFormat.Create(k, n, 4, _config.GroupSize, zeroOffset: false, gptqWeight, gptqZeros, scales, []);
        }
        catch (ArgumentException e)
        {
            throw PrequantizedTensors.Describe(prefix, e);
        }
    }

    private int Groups(int k) => _config.GroupSize <= 0 ? 1 : (k + _config.GroupSize - 1) / _config.GroupSize;
}
