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

    /// <summary>16 consecutive weights: elements 0..7 in lo, 8..15 in hi.</summary>
    static abstract void Load16(TWeight* p, out Vector256<float> lo, out Vector256<float> hi);
}
