using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>bfloat16 weights (raw bits): widened to 32 bits and shifted into the top half.</summary>
internal readonly unsafe struct BF16Weights : IWeightFormat<ushort>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort* p) => BitConverter.UInt32BitsToSingle((uint)*p << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load32(ushort* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        Vector512<ushort> v = Vector512.Load(p);
        lo = (Vector512.WidenLower(v) << 16).AsSingle();
        hi = (Vector512.WidenUpper(v) << 16).AsSingle();
    }

    public static bool PrefersEvenOdd => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadEvenOdd32(ushort* p, out Vector512<float> even, out Vector512<float> odd)
    {
        // Little-endian: each 32-bit lane holds an even weight in its low half, an odd one in its high half.
        Vector512<uint> v = Vector512.Load((uint*)p);
        even = (v << 16).AsSingle();
        odd = (v & Vector512.Create(0xFFFF0000u)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load16(ushort* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        Vector256<ushort> v = Vector256.Load(p);
        lo = (Vector256.WidenLower(v) << 16).AsSingle();
        hi = (Vector256.WidenUpper(v) << 16).AsSingle();
    }
}
