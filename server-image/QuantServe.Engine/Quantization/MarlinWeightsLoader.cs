using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// <c>--quantize marlin</c>. Native Marlin checkpoints: <c>{prefix}.B</c> I32 [K/16, 2N] and <c>.s</c> F16 [G, N]
/// (group -1 or 128; see <see cref="MarlinFormat"/>). GPTQ (4/8-bit, symmetric, group -1/32/64/128) and AWQ
/// (4-bit) checkpoints are accepted as TGI accepts them and repacked at load; on the CPU the repacked
/// layout is <see cref="GptqMatrix"/>, the same one the gptq and awq loaders build. The 2:4 sparse
/// <c>marlin_24</c> format is refused.
/// </summary>
public sealed class MarlinWeightsLoader : IWeightsLoader
{
    private static readonly int[] GptqMarlinGroups = [-1, 32, 64, 128];

    private readonly CheckpointTensors _tensors;
    private readonly PrequantizedConfig _config;
    private readonly IWeightsLoader? _repacked;

    public MarlinWeightsLoader(CheckpointTensors tensors, PrequantizedConfig config)
    {
        _tensors = tensors;
        _config = config;
        switch (config.QuantMethod)
        {
            case "gptq":
                if (config.Bits is not (4 or 8) || !config.Sym || Array.IndexOf(GptqMarlinGroups, config.GroupSize) < 0)
                    throw new InvalidDataException(
                        $"the checkpoint is gptq with bits = {config.Bits}, sym = {config.Sym.ToString().ToLowerInvariant()}, group_size = {config.GroupSize} ({config.Source}); " +
                        "--quantize marlin repacks only symmetric 4- or 8-bit gptq with group_size -1, 32, 64 or 128. Use --quantize gptq.");
                _repacked = new GptqWeightsLoader(tensors, config);
                break;
            case "awq":
                if (config.Bits != 4)
                    throw new InvalidDataException($"the checkpoint is awq with bits = {config.Bits} ({config.Source}); --quantize marlin repacks 4-bit awq only.");
                _repacked = new AwqWeightsLoader(tensors, config);
                break;
            default:
                if (config.CheckpointFormat == "marlin_24")
                    throw new NotSupportedException(
                        $"{config.Source}: checkpoint_format marlin_24 (2:4 sparse Marlin: B_24, B_meta, s) is not supported; " +
                        "serve a dense marlin or gptq checkpoint of the model instead.");
                if (config.Bits != 4)
                    throw new InvalidDataException($"{config.Source}: native marlin checkpoints are 4-bit; bits = {config.Bits} is not supported.");
                if (config.GroupSize is not (-1 or 128))
                    throw new InvalidDataException($"{config.Source}: marlin group_size {config.GroupSize} is not supported; Marlin uses -1 or 128.");
                break;
        }
    }

    public string Scheme => "marlin";

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias)
    {
        if (_repacked is not null)
            return _repacked.LoadLinear(prefix, inFeatures, outFeatures, hasBias);
        if (PrequantizedTensors.NotConverted(_config, prefix))
            return new DenseWeightsLoader(_tensors, null).LoadLinear(prefix, inFeatures, outFeatures, hasBias);
        int k = inFeatures, n = outFeatures;
        if (k % MarlinFormat.Tile != 0 || n % 64 != 0)
            throw new InvalidDataException($"layer '{prefix}': marlin needs in_features divisible by 16 and out_features by 64; got [{n}, {k}].");
        int groups = _config.GroupSize == 128 ? k / 128 : 1;
        var b = PrequantizedTensors.Require(_tensors, "marlin", prefix, "B", k / MarlinFormat.Tile, 2L * n);
        var s = PrequantizedTensors.Halfs(PrequantizedTensors.Require(_tensors, "marlin", prefix, "s", groups, n));
        var bias = PrequantizedTensors.Bias(_tensors, prefix, n, hasBias);
        try
        {
            return new GptqLinear(MarlinFormat.Create(k, n, _config.GroupSize, PrequantizedTensors.Int32s(b), s), bias);
        }
        catch (ArgumentException e)
        {
            throw PrequantizedTensors.Describe(prefix, e);
        }
    }
}
