namespace QuantServe.Engine.Generation.Sampling;

/// <summary>Why generation stopped; <see cref="FinishReasons.ToWireName"/> gives TGI's JSON name.</summary>
public enum FinishReason
{
    Length,
    EosToken,
    StopSequence,
}
