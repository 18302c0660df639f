namespace QuantServe.Engine.Evaluation;

/// <summary>exp(mean NLL) over every scored next-token prediction.</summary>
public sealed record PerplexityResult(double Perplexity, double NllMean, long TokensScored, int Windows);
