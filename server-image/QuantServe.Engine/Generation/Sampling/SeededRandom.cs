namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// xoshiro256** (Blackman and Vigna) with its state filled by splitmix64 from one 64-bit seed.
/// Written out here rather than using System.Random so a seed gives the same tokens on every .NET
/// version. Verify against the reference C code at https://prng.di.unimi.it/ (the tests pin the
/// first outputs for a few seeds).
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public SeededRandom(ulong seed)
    {
        // splitmix64 never yields four zeros in a row, so the state is never the forbidden all-zero one.
        var state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    public ulong NextULong()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A double in [0, 1) from the top 53 bits, every value a multiple of 2^-53.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    internal static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
