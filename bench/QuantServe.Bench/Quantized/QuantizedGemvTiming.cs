namespace QuantServe.Bench.Quantized;

/// <summary>
/// One timed quantized GEMV (y = x W^T, m = 1): <paramref name="WeightBytes"/> are the bytes of the packed
/// weights the kernel reads per call (codes and scales), <paramref name="GBs"/> = WeightBytes / time, and
/// <paramref name="FractionOfBandwidth"/> = GBs / the read bandwidth measured for the same thread count (NaN when none was given),
/// <paramref name="CachedGBs"/> the rate of the same call with the weights in cache (the kernel's compute rate).
/// </summary>
public sealed record QuantizedGemvTiming(string Scheme, int Threads, double Milliseconds, long WeightBytes, double GBs, double FractionOfBandwidth, double CachedGBs)
{
    public override string ToString() =>
        $"gemv {Scheme,-17} 4096x4096 threads={Threads} {Milliseconds,8:F3} ms {WeightBytes / 1048576.0,6:F2} MiB {GBs,7:F2} GB/s {FractionOfBandwidth,5:P0} of bandwidth, {CachedGBs,7:F2} GB/s cached";
}
