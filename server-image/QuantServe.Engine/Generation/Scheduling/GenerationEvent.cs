namespace QuantServe.Engine.Generation.Scheduling;

/// <summary>What a request's stream carries: tokens as they are sampled, then exactly one end.</summary>
public abstract record GenerationEvent
{
    private GenerationEvent()
    {
    }

    /// <summary>A token was sampled; <paramref name="Index"/> counts generated tokens from 0.</summary>
    public sealed record Token(GeneratedToken Value, int Index) : GenerationEvent;

    /// <summary>The request finished normally.</summary>
    public sealed record Finished(GenerationResult Result, TimeSpan QueueTime, TimeSpan InferenceTime) : GenerationEvent;

    /// <summary>The engine failed while running the request (TGI answers 424 or 500).</summary>
    public sealed record Failed(Exception Error) : GenerationEvent;
}
