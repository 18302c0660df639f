using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// AWQ (AutoAWQ GEMM) checkpoints: <c>{prefix}.qweight</c> I32 [K, N/8], <c>.qzeros</c> I32 [G, N/8],
/// <c>.scales</c> F16 [G, N] (see <see cref="AwqFormat"/>); 4 bits only.
/// </summary>
public sealed class AwqWeightsLoader : IWeightsLoader
{
    private readonly CheckpointTensors _tensors;
    private readonly PrequantizedConfig _config;

    public AwqWeightsLoader(CheckpointTensors tensors, PrequantizedConfig config)
    {
        if (config.Bits != 4)
            throw new InvalidDataException($"{config.Source}: awq with bits = {config.Bits} is not supported; AutoAWQ's GEMM packing is 4-bit.");
        _tensors = tensors;
        _config = config;
    }

    public string Scheme => "awq";

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias)
    {
        if (PrequantizedTensors.NotConverted(_config, prefix))
            return new DenseWeightsLoader(_tensors, null).LoadLinear(prefix, inFeatures, outFeatures, hasBias);
        int k = inFeatures, n = outFeatures;
        if (n % 8 != 0)
            throw new InvalidDataException($"layer '{prefix}': out_features {n} is not a multiple of 8, which awq packing needs.");
        int groups = _config.GroupSize <= 0 ? 1 : (k + _config.GroupSize - 1) / _config.GroupSize;
        var qweight = PrequantizedTensors.Require(_tensors, "awq", prefix, "qweight", k, n / 8);
        var qzeros = PrequantizedTensors.Require(_tensors, "awq", prefix, "qzeros", groups, n / 8);
        var scales = PrequantizedTensors.Halfs(PrequantizedTensors.Require(_tensors, "awq", prefix, "scales", groups, n));
        var bias = PrequantizedTensors.Bias(_tensors, prefix, n, hasBias);
        try
        {
            return new GptqLinear(AwqFormat.Create(k, n, _config.GroupSize, PrequantizedTensors.Int32s(qweight), PrequantizedTensors.Int32s(qzeros), scales), bias);
        }
        catch (ArgumentException e)
        {
            throw PrequantizedTensors.Describe(prefix, e);
        }
    }
}
