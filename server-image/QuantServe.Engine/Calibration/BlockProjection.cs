using QuantServe.Engine.Models;

namespace QuantServe.Engine.Calibration;

/// <summary>One projection of a decoder block: its name under <c>model.layers.{i}.</c>, shape, bias and the input it reads.</summary>
public sealed record BlockProjection(string Name, int OutFeatures, int InFeatures, bool HasBias, BlockInput Input)
{
    /// <summary>
    /// A Llama block's projections grouped by the input they share, in AutoGPTQ's true-sequential order
    /// ([k, v, q], [o], [up, gate], [down]): each group is quantized before the next group's inputs are captured.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<BlockProjection>> SequentialGroups(Models.ModelConfig c)
    {
        int h = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim, i = c.IntermediateSize;
        return
        [
            [
                new("self_attn.k_proj", kv, h, c.QkvBias, BlockInput.Attention),
                new("self_attn.v_proj", kv, h, c.QkvBias, BlockInput.Attention),
                new("self_attn.q_proj", q, h, c.QkvBias, BlockInput.Attention),
            ],
            [new("self_attn.o_proj", h, q, c.OutputProjectionBias, BlockInput.AttentionOutput)],
            [
                new("mlp.up_proj", i, h, c.MlpBias, BlockInput.Mlp),
                new("mlp.gate_proj", i, h, c.MlpBias, BlockInput.Mlp),
            ],
            [new("mlp.down_proj", h, i, c.MlpBias, BlockInput.MlpOutput)],
        ];
    }
}
