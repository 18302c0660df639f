using QuantServe.Engine.Weights;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// EXL2 (exllamav2) checkpoints: <c>{prefix}.q_weight</c> I32 [rows, N], <c>.q_scale</c> I32 [G, N/8],
/// <c>.q_scale_max</c> F16 [G], <c>.q_groups</c> I16 [2G], <c>.q_invperm</c> I16 [K] (see <see cref="Exl2Format"/>);
/// bit widths 2..8 vary between groups, so nothing in config.json describes them.
/// </summary>
public sealed class Exl2WeightsLoader(CheckpointTensors tensors, PrequantizedConfig config) : IWeightsLoader
{
    public string Scheme => "exl2";

    public ILinear LoadLinear(string prefix, int inFeatures, int outFeatures, bool hasBias)
    {
        if (PrequantizedTensors.NotConverted(config, prefix))
            return new DenseWeightsLoader(tensors, null).LoadLinear(prefix, inFeatures, outFeatures, hasBias);
        int k = inFeatures, n = outFeatures;
        if (n % 8 != 0)
            throw new InvalidDataException($"layer '{prefix}': out_features {n} is not a multiple of 8, which exl2's q_scale packing needs.");
        var groupsView = PrequantizedTensors.Find(tensors, "exl2", prefix, "q_groups");
        PrequantizedTensors.CheckShape(groupsView, groupsView.Rank == 1 && groupsView.Dim(0) % 2 == 0 && groupsView.Dim(0) > 0, "[2 x groups] (bits, first row) pairs");
        long groups = groupsView.Dim(0) / 2;
        var weightView = PrequantizedTensors.Find(tensors, "exl2", prefix, "q_weight");
        PrequantizedTensors.CheckShape(weightView, weightView.Rank == 2 && weightView.Dim(1) == n, $"[rows, {n}]");
        var qGroups = PrequantizedTensors.Int16s(groupsView);
        var qScaleView = PrequantizedTensors.Require(tensors, "exl2", prefix, "q_scale", groups, n / 8);
        var qScaleMax = PrequantizedTensors.Halfs(PrequantizedTensors.Require(tensors, "exl2", prefix, "q_scale_max", groups));
        var qInvperm = PrequantizedTensors.Int16s(PrequantizedTensors.Require(tensors, "exl2", prefix, "q_invperm", k));
        var bias = PrequantizedTensors.Bias(tensors, prefix, n, hasBias);
        try
        {
            return new GptqLinear(Exl2Format.Create(k, n, PrequantizedTensors.Int32s(weightView), PrequantizedTensors.Int32s(qScaleView), qScaleMax, qGroups, qInvperm), bias);
        }
        catch (ArgumentException e)
        {
            throw PrequantizedTensors.Describe(prefix, e);
        }
    }
}
