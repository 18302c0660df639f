using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// How the matmul kernels read one stored weight element type as fp32. Implemented by structs so the
/// JIT compiles one specialised kernel per format with the conversion inlined into the inner loop.
/// </summary>
internal unsafe interface IWeightFormat<TWeight>
    where TWeight : unmanaged
{
    static abstract float ToSingle(TWeight* p);

    /// <summary>32 consecutive weights: elements 0..15 in lo, 16..31 in hi.</summary>
    static abstract void Load32(TWeight* p, out Vector512<float> lo, out Vector512<float> hi);

    /// <summary>
    /// True when <see cref="LoadEvenOdd32"/> is cheaper than <see cref="Load32"/>: 16-bit formats
    /// split a vector of 32-bit pairs into even and odd weights without widening shuffles, and the
    /// 512-bit kernel permutes x to match (once per x vector, shared by 4 W rows).
    /// </summary>
    static abstract bool PrefersEvenOdd { get; }

    /// <summary>32 consecutive weights: elements 0, 2, ..., 30 in even and 1, 3, ..., 31 in odd.</summary>
    static abstract void LoadEvenOdd32(TWeight* p, out Vector512<float> even, out Vector512<float> odd);

    /// <summary>16 consecutive weights: elements 0..7 in lo, 8..15 in hi.</summary>
    static abstract void Load16(TWeight* p, out Vector256<float> lo, out Vector256<float> hi);
}
