namespace QuantServe.Engine.Models;

/// <summary>The decoder architectures the engine runs; all three share Llama's graph.</summary>
public enum ModelArchitecture
{
    /// <summary>LlamaForCausalLM.</summary>
    Llama,

    /// <summary>MistralForCausalLM: Llama plus an optional sliding attention window.</summary>
    Mistral,

    /// <summary>Qwen2ForCausalLM: Llama plus biases on the q, k and v projections.</summary>
    Qwen2,
}
