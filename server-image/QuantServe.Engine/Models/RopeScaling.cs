namespace QuantServe.Engine.Models;

/// <summary>The kinds of <c>rope_scaling</c> that Hugging Face's modeling code implements and we support.</summary>
public enum RopeScalingType
{
    /// <summary>Positions divided by <c>factor</c>.</summary>
    Linear,

    /// <summary>Dynamic NTK: the base grows once the sequence outgrows the original context.</summary>
    Dynamic,

    /// <summary>Llama 3.1's frequency-band scaling.</summary>
    Llama3,
}

/// <summary>
/// <c>rope_scaling</c> from config.json. <paramref name="OriginalMaxPositionEmbeddings"/> is only read by
/// Llama 3 scaling (it falls back to <c>max_position_embeddings</c> for the others, as Hugging Face does).
/// </summary>
public sealed record RopeScaling(
    RopeScalingType Type,
    double Factor,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int? OriginalMaxPositionEmbeddings = null);
