namespace QuantServe.Engine.Models;

/// <summary>The four activations a Llama decoder block feeds its projections, in forward order.</summary>
public enum BlockInput
{
    /// <summary>input_layernorm output: q_proj, k_proj, v_proj.</summary>
    Attention,

    /// <summary>Attention output: o_proj.</summary>
    AttentionOutput,

    /// <summary>post_attention_layernorm output: gate_proj, up_proj.</summary>
    Mlp,

    /// <summary>silu(gate) * up: down_proj.</summary>
    MlpOutput,
}
