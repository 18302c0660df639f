using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// IEEE float16 weights, converted with integer/float lane operations (see HalfBits); blocks with
/// no infinity or NaN (all of them, in real checkpoints) take the shorter finite-only conversion.
/// </summary>
internal readonly unsafe struct F16Weights : IWeightFormat<Half>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(Half* p) => (float)*p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load32(Half* p, out Vector512<float> lo, out Vector512<float> hi)
    {
        Vector512<ushort> v = Vector512.Load((ushort*)p);
        if (HalfBits.AnyInfinityOrNaN(v))
        {
            lo = HalfBits.ToSingle(Vector512.WidenLower(v));
            hi = HalfBits.ToSingle(Vector512.WidenUpper(v));
        }
        else
        {
            lo = HalfBits.FiniteToSingle(Vector512.WidenLower(v));
            hi = HalfBits.FiniteToSingle(Vector512.WidenUpper(v));
        }
    }

    public static bool PrefersEvenOdd => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadEvenOdd32(Half* p, out Vector512<float> even, out Vector512<float> odd)
    {
        // Little-endian: each 32-bit lane holds an even weight in its low half, an odd one in its high half.
        Vector512<uint> v = Vector512.Load((uint*)p);
        if (HalfBits.AnyInfinityOrNaN(v.AsUInt16()))
        {
            even = HalfBits.ToSingle(v & Vector512.Create(0xFFFFu));
            odd = HalfBits.ToSingle(v >> 16);
        }
        else
        {
            even = HalfBits.FiniteHighHalfToSingle(v << 16);
            odd = HalfBits.FiniteHighHalfToSingle(v);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load16(Half* p, out Vector256<float> lo, out Vector256<float> hi)
    {
        Vector256<ushort> v = Vector256.Load((ushort*)p);
        if (HalfBits.AnyInfinityOrNaN(v))
        {
            lo = HalfBits.ToSingle(Vector256.WidenLower(v));
            hi = HalfBits.ToSingle(Vector256.WidenUpper(v));
        }
        else
        {
            lo = HalfBits.FiniteToSingle(Vector256.WidenLower(v));
            hi = HalfBits.FiniteToSingle(Vector256.WidenUpper(v));
        }
    }
}
