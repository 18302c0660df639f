namespace QuantServe.Engine.Generation.Sampling;

/// <summary>TGI's wire names for <see cref="FinishReason"/> (<c>details.finish_reason</c>).</summary>
public static class FinishReasons
{
    public static string ToWireName(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length",
        FinishReason.EosToken => "eos_token",
        FinishReason.StopSequence => "stop_sequence",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown finish reason."),
    };
}
