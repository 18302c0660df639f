using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Software prefetch for the weight streams of decode GEMVs. A GEMV that decodes codes between its loads
/// keeps too few cache-line misses in flight for the hardware prefetchers to reach DRAM bandwidth: the
/// quantized kernels ran at half the read bandwidth although they ran faster than it with the weights in
/// cache. Asking for the line <see cref="Distance"/> bytes ahead of each one consumed keeps enough misses
/// outstanding (docs/BENCHMARKS.md: 0.5 -> 0.8-0.87 of the read bandwidth for gptq 4-bit).
/// </summary>
internal static unsafe class StreamPrefetch
{
    /// <summary>Bytes ahead of the current read: about 100 ns of a 15-30 GB/s stream, measured best of 1-16 KiB.</summary>
    public const int Distance = 4096;

    /// <summary>Prefetches the cache line <see cref="Distance"/> bytes after <paramref name="current"/> (never faults).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ahead(void* current)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((byte*)current + Distance);
        }
    }
}
