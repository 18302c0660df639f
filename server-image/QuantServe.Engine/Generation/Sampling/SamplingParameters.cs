namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// The sampling fields of a TGI request (<c>parameters</c> of /generate). Null means "not given";
/// <see cref="Validate"/> applies the router's rules with its exact messages, so the HTTP layer can
/// return them unchanged as 422 validation errors.
/// </summary>
public sealed record SamplingParameters
{
    public bool DoSample { get; init; }

    public float? Temperature { get; init; }

    public int? TopK { get; init; }

    public float? TopP { get; init; }

    public float? TypicalP { get; init; }

    public float? RepetitionPenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public ulong? Seed { get; init; }

    /// <summary>
    /// True when tokens are drawn at random rather than picked by argmax. As in TGI's server
    /// (<c>NextTokenChooser</c>): do_sample, or any warper that changes the distribution
    /// (temperature other than 1, top_k, top_p below 1, typical_p below 1).
    /// </summary>
    public bool IsSampling =>
        DoSample || HasTemperature || HasTopK || HasTopP || HasTypicalP;

    internal bool HasTemperature => Temperature is { } t && t != 1.0f;

    internal bool HasTopK => TopK is > 0;

    internal bool HasTopP => TopP is < 1.0f;

    internal bool HasTypicalP => TypicalP is < 1.0f;

    internal bool HasRepetitionPenalty => RepetitionPenalty is { } r && r != 1.0f;

    internal bool HasFrequencyPenalty => FrequencyPenalty is { } f && f != 0.0f;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> with TGI's router message (router/src/validation.rs)
    /// for the first invalid field. NaN fails every check, as it does in the router's comparisons.
    /// </summary>
    public void Validate()
    {
        if (Temperature is { } temperature && !(temperature > 0.0f))
        {
            throw new ArgumentException("`temperature` must be strictly positive");
        }

        if (RepetitionPenalty is { } repetition && !(repetition > 0.0f))
        {
            throw new ArgumentException("`repetition_penalty` must be strictly positive");
        }

        if (FrequencyPenalty is { } frequency && !(frequency >= -2.0f && frequency <= 2.0f))
        {
            throw new ArgumentException("`frequency_penalty` must be >= -2.0 and <= 2.0");
        }

        if (TopP is { } topP && !(topP > 0.0f && topP < 1.0f))
        {
            throw new ArgumentException("`top_p` must be > 0.0 and < 1.0");
        }

        if (TypicalP is { } typicalP && !(typicalP > 0.0f && typicalP < 1.0f))
        {
            throw new ArgumentException("`typical_p` must be > 0.0 and < 1.0");
        }

        if (TopK is <= 0)
        {
            throw new ArgumentException("`top_k` must be strictly positive");
        }
    }
}
