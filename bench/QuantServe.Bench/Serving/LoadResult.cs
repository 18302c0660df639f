namespace QuantServe.Bench.Serving;

/// <summary>One concurrency level of the load test: throughput and latency percentiles in milliseconds.</summary>
public sealed record LoadResult(
    int Concurrency,
    int Requests,
    long GeneratedTokens,
    double Seconds,
    double TokensPerSecond,
    double TimeToFirstTokenP50,
    double TimeToFirstTokenP99,
    double InterTokenP50,
    double InterTokenP99);
