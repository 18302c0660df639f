using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>fp32 weights: loaded as they are.</summary>
internal readonly unsafe struct F32Weights : IWeightFormat<float>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(float* p) => *p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load32(float* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        lo = Vector512.Load(p);
        hi = Vector512.Load(p + 16);
    }

    public static bool PrefersEvenOdd => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadEvenOdd32(float* p, out Vector512<float> even, out Vector512<float> odd)
    {
        EvenOddLanes.Split(Vector512.Load(p), Vector512.Load(p + 16), out even, out odd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load16(float* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        lo = Vector256.Load(p);
        hi = Vector256.Load(p + 8);
    }
}
