namespace QuantServe.Engine.Chat;

/// <summary>
/// A chat template that cannot be parsed (the message names the construct, line and column) or that
/// failed while rendering: a <c>raise_exception(msg)</c> in the template (the message is exactly
/// <c>msg</c>) or a type error. The server answers 422 with the message.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    public ChatTemplateException(string message)
        : base(message)
    {
    }

    public ChatTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the template itself called <c>raise_exception</c>.</summary>
    public bool RaisedByTemplate { get; init; }
}
