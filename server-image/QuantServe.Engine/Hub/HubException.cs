namespace QuantServe.Engine.Hub;

/// <summary>A hub download failed; <see cref="Kind"/> says why and the message says what to do.</summary>
public sealed class HubException : Exception
{
    public HubException(HubErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public HubErrorKind Kind { get; }
}
