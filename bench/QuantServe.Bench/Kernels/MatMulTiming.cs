namespace QuantServe.Bench.Kernels;

/// <summary>
/// One timed matmul: Rate is GB/s of weights read (GEMV) or GFLOP/s (GEMM), Ceiling the measured
/// memory bandwidth or FMA peak for the same thread count, FractionOfCeiling = Rate / Ceiling.
/// </summary>
public sealed record MatMulTiming(
    string Name, int Threads, double Milliseconds, double Rate, string Unit, double Ceiling, double FractionOfCeiling);
