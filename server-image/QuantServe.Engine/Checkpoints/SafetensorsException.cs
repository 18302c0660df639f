namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// A safetensors file or checkpoint directory that cannot be read. The message names the file (or
/// directory), the tensor where one is concerned, what was expected and what was found, and what
/// the user can do about it.
/// </summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string message)
        : base(message)
    {
    }

    public SafetensorsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
