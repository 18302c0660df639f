using QuantServe.Engine.Generation;

namespace QuantServe.Server;

/// <summary>A finished request: the chosen sequence, the other best_of candidates, and where the time went.</summary>
public sealed record CompletedGeneration(GenerationResult Best, IReadOnlyList<GenerationResult> Others, TimeSpan QueueTime, TimeSpan InferenceTime);
