using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// IEEE binary16 &lt;-&gt; binary32 on vectors of 32-bit lanes holding one value each, without F16C
/// (.NET exposes no vcvtph2ps). Results are bit-identical to .NET's (float)Half and (Half)float casts,
/// NaN payloads included: both quiet a signalling NaN and keep its upper payload bits.
/// </summary>
internal static class HalfBits
{
    private const uint HalfExponent = 0x7C00;
    private const uint HalfMagnitude = 0x7FFF;

    // 2^112 turns binary16 exponent/mantissa bits shifted into binary32 position into the right value,
    // subnormal halves included (they arrive as binary32 subnormals and multiply up exactly).
    private const uint RebiasFactorBits = 0x77800000; // 2^112 as binary32

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> h)
    {
        Vector512<uint> magnitude = h & Vector512.Create(HalfMagnitude);
        Vector512<float> value = (magnitude << 13).AsSingle() * Vector512.Create(RebiasFactorBits).AsSingle();
        Vector512<uint> bits = value.AsUInt32();
        Vector512<uint> infOrNan = Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(HalfExponent));
        Vector512<uint> nan = Vector512.GreaterThan(magnitude, Vector512.Create(HalfExponent));
        bits |= (infOrNan & Vector512.Create(0x7F800000u)) | (nan & Vector512.Create(0x00400000u));
        return (bits | ((h & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> h)
    {
        Vector256<uint> magnitude = h & Vector256.Create(HalfMagnitude);
        Vector256<float> value = (magnitude << 13).AsSingle() * Vector256.Create(RebiasFactorBits).AsSingle();
        Vector256<uint> bits = value.AsUInt32();
        Vector256<uint> infOrNan = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(HalfExponent));
        Vector256<uint> nan = Vector256.GreaterThan(magnitude, Vector256.Create(HalfExponent));
        bits |= (infOrNan & Vector256.Create(0x7F800000u)) | (nan & Vector256.Create(0x00400000u));
        return (bits | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>True when some half in v is an infinity or NaN (exponent all ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyInfinityOrNaN(Vector512<ushort> v)
        => Vector512.EqualsAny(v & Vector512.Create((ushort)HalfExponent), Vector512.Create((ushort)HalfExponent));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyInfinityOrNaN(Vector256<ushort> v)
        => Vector256.EqualsAny(v & Vector256.Create((ushort)HalfExponent), Vector256.Create((ushort)HalfExponent));

    /// <summary>
    /// The same result as ToSingle for finite halves only, in half the operations: the hot path of
    /// fp16 GEMV, which is otherwise bound by this conversion rather than by memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FiniteToSingle(Vector512<uint> h)
    {
        Vector512<float> magnitude = ((h << 13) & Vector512.Create(0x0FFFE000u)).AsSingle() * Vector512.Create(RebiasFactorBits).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Create(0x80000000u), h << 16, magnitude.AsUInt32()).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> FiniteToSingle(Vector256<uint> h)
    {
        Vector256<float> magnitude = ((h << 13) & Vector256.Create(0x0FFFE000u)).AsSingle() * Vector256.Create(RebiasFactorBits).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Create(0x80000000u), h << 16, magnitude.AsUInt32()).AsSingle();
    }

    /// <summary>
    /// FiniteToSingle for a half held in the high 16 bits of each lane (the low 16 bits are ignored),
    /// which is where an odd element of a pair already sits: no widening needed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> FiniteHighHalfToSingle(Vector512<uint> t)
    {
        Vector512<float> magnitude = ((t & Vector512.Create(0x7FFF0000u)) >> 3).AsSingle() * Vector512.Create(RebiasFactorBits).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Create(0x80000000u), t, magnitude.AsUInt32()).AsSingle();
    }

    // Round to nearest even (F. Giesen's float_to_half_fast3_rtne, branch-free): overflow goes to
    // infinity, NaN keeps its sign and upper 10 payload bits with the quiet bit set.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> FromSingle(Vector512<float> value)
    {
        Vector512<uint> f = value.AsUInt32();
        Vector512<uint> sign = f & Vector512.Create(0x80000000u);
        f ^= sign;

        Vector512<uint> nanResult = Vector512.Create(0x7E00u) | ((f >> 13) & Vector512.Create(0x3FFu));
        Vector512<uint> large = Vector512.ConditionalSelect(
            Vector512.GreaterThan(f, Vector512.Create(0x7F800000u)), nanResult, Vector512.Create(0x7C00u));

        Vector512<uint> subnormal =
            (f.AsSingle() + Vector512.Create(0.5f)).AsUInt32() - Vector512.Create(0x3F000000u);

        Vector512<uint> normal =
            (f + Vector512.Create(0xC8000FFFu) + ((f >> 13) & Vector512.Create(1u))) >> 13;

        Vector512<uint> result = Vector512.ConditionalSelect(
            Vector512.GreaterThanOrEqual(f, Vector512.Create(0x47800000u)),
            large,
            Vector512.ConditionalSelect(Vector512.LessThan(f, Vector512.Create(0x38800000u)), subnormal, normal));
        return result | (sign >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> FromSingle(Vector256<float> value)
    {
        Vector256<uint> f = value.AsUInt32();
        Vector256<uint> sign = f & Vector256.Create(0x80000000u);
        f ^= sign;

        Vector256<uint> nanResult = Vector256.Create(0x7E00u) | ((f >> 13) & Vector256.Create(0x3FFu));
        Vector256<uint> large = Vector256.ConditionalSelect(
            Vector256.GreaterThan(f, Vector256.Create(0x7F800000u)), nanResult, Vector256.Create(0x7C00u));

        Vector256<uint> subnormal =
            (f.AsSingle() + Vector256.Create(0.5f)).AsUInt32() - Vector256.Create(0x3F000000u);

        Vector256<uint> normal =
            (f + Vector256.Create(0xC8000FFFu) + ((f >> 13) & Vector256.Create(1u))) >> 13;

        Vector256<uint> result = Vector256.ConditionalSelect(
            Vector256.GreaterThanOrEqual(f, Vector256.Create(0x47800000u)),
            large,
            Vector256.ConditionalSelect(Vector256.LessThan(f, Vector256.Create(0x38800000u)), subnormal, normal));
        return result | (sign >> 16);
    }

    // bfloat16 is the top half of binary32: round to nearest even on the low 16 bits, NaN stays NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> BFloatFromSingle(Vector512<float> value)
    {
        Vector512<uint> bits = value.AsUInt32();
        Vector512<uint> rounded = (bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512.Create(1u))) >> 16;
        Vector512<uint> quietNan = (bits >> 16) | Vector512.Create(0x40u);
        Vector512<uint> isNan = Vector512.GreaterThan(bits & Vector512.Create(0x7FFFFFFFu), Vector512.Create(0x7F800000u));
        return Vector512.ConditionalSelect(isNan, quietNan, rounded);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> BFloatFromSingle(Vector256<float> value)
    {
        Vector256<uint> bits = value.AsUInt32();
        Vector256<uint> rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256.Create(1u))) >> 16;
        Vector256<uint> quietNan = (bits >> 16) | Vector256.Create(0x40u);
        Vector256<uint> isNan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFFFFFFu), Vector256.Create(0x7F800000u));
        return Vector256.ConditionalSelect(isNan, quietNan, rounded);
    }
}
