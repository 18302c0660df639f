using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// float8 e4m3fn, one byte per value: bits S.EEEE.MMM, exponent bias 7.
/// E = 0 is subnormal (M/8 * 2^-6), E = 1..15 normal ((1 + M/8) * 2^(E-7)); there are no infinities and
/// S.1111.111 is the only NaN, so the largest finite magnitude is 0.1111.110 = 448.
/// Encoding rounds to nearest, ties to even mantissa; finite values and infinities beyond 448 saturate to
/// +-448 (what TGI's clamp-then-cast produces and OCP calls "satfinite"); NaN becomes S.1111.111.
/// Verify: tests/QuantServe.Kernels.Tests/Quantized/Fp8E4M3Tests.cs checks all 256 codes against the
/// definition above and every encoding against a brute-force nearest search.
/// </summary>
public static class Fp8E4M3
{
    public const float MaxValue = 448f;
    public const byte PositiveNaN = 0x7F;
    public const byte MaxFiniteCode = 0x7E;

    private const uint SmallestNormalBits = 0x3C800000; // 2^-6
    private const uint MaxValueBits = 0x43E00000; // 448

    private static readonly float[] DecodeTable = BuildDecodeTable();

    /// <summary>The 256 values indexed by code (NaN for 0x7F and 0xFF).</summary>
    public static ReadOnlySpan<float> Table => DecodeTable;

    public static float ToSingle(byte code) => DecodeTable[code];

    public static byte FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        byte sign = (byte)((bits >> 24) & 0x80);
        uint magnitude = bits & 0x7FFFFFFF;
        if (magnitude > 0x7F800000)
        {
            return (byte)(sign | PositiveNaN);
        }

        if (magnitude >= MaxValueBits)
        {
            return (byte)(sign | MaxFiniteCode);
        }

        if (magnitude < SmallestNormalBits)
        {
            // Subnormal range: the value in units of 2^-9 is exact in float, so rounding it to an integer
            // is the RNE of the format; 8 units is the smallest normal (code 0x08), which follows naturally.
            float units = BitConverter.UInt32BitsToSingle(magnitude) * 512f;
            return (byte)(sign | (byte)MathF.Round(units, MidpointRounding.ToEven));
        }

        // Normal: drop 20 mantissa bits with round-to-nearest-even, then rebias the exponent 127 -> 7.
        uint rounded = (magnitude + 0x7FFFF + ((magnitude >> 20) & 1)) >> 20;
        return (byte)(sign | (byte)(rounded - (120u << 3)));
    }

    public static void FromSingle(ReadOnlySpan<float> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException($"destination has {destination.Length} bytes for {source.Length} values", nameof(destination));
        }

        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = FromSingle(source[i]);
        }
    }

    /// <summary>
    /// 16 codes (zero-extended to 32-bit lanes) to floats by bit arithmetic: the magnitude bits move into
    /// float position and the exponent is rebiased; subnormals are decoded as if E were 1 and 2^-6 is then
    /// subtracted ((1 + M/8) 2^-6 - 2^-6 = M/8 2^-6), which keeps every intermediate a normal float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Decode(Vector512<uint> codes)
    {
        Vector512<uint> magnitude = codes & Vector512.Create(0x7Fu);
        Vector512<uint> subnormal = Vector512.LessThan(magnitude, Vector512.Create(8u));
        Vector512<uint> bits = (magnitude << 20) + Vector512.Create(120u << 23) + (subnormal & Vector512.Create(1u << 23));
        Vector512<float> value = bits.AsSingle() - (subnormal & Vector512.Create(SmallestNormalBits)).AsSingle();
        Vector512<uint> nan = Vector512.Equals(magnitude, Vector512.Create(0x7Fu));
        Vector512<uint> result = Vector512.ConditionalSelect(nan, Vector512.Create(0x7FC00000u), value.AsUInt32());
        return (result | ((codes & Vector512.Create(0x80u)) << 24)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Decode(Vector256<uint> codes)
    {
        Vector256<uint> magnitude = codes & Vector256.Create(0x7Fu);
        Vector256<uint> subnormal = Vector256.LessThan(magnitude, Vector256.Create(8u));
        Vector256<uint> bits = (magnitude << 20) + Vector256.Create(120u << 23) + (subnormal & Vector256.Create(1u << 23));
        Vector256<float> value = bits.AsSingle() - (subnormal & Vector256.Create(SmallestNormalBits)).AsSingle();
        Vector256<uint> nan = Vector256.Equals(magnitude, Vector256.Create(0x7Fu));
        Vector256<uint> result = Vector256.ConditionalSelect(nan, Vector256.Create(0x7FC00000u), value.AsUInt32());
        return (result | ((codes & Vector256.Create(0x80u)) << 24)).AsSingle();
    }

    // value(code) = m * P[code >> 3] + Q[code >> 3] for the 32 (sign, exponent) pairs: P = +-2^(max(E, 1) - 10)
    // and Q = +-8 * P for normals (the implicit leading 1), 0 for subnormals. Every step is exact.
    private static readonly Vector512<float> StepLow = Vector512.Create(BuildStepTable(0, implicitOne: false));
    private static readonly Vector512<float> StepHigh = Vector512.Create(BuildStepTable(16, implicitOne: false));
    private static readonly Vector512<float> BaseLow = Vector512.Create(BuildStepTable(0, implicitOne: true));
    private static readonly Vector512<float> BaseHigh = Vector512.Create(BuildStepTable(16, implicitOne: true));

    /// <summary>
    /// <see cref="Decode(Vector512{uint})"/> for codes known not to be NaN (the matmul kernels: packed fp8
    /// weights refuse NaN codes when they are built): two 32-entry table permutes (vpermt2ps) indexed by
    /// sign and exponent, and one fused multiply-add with the mantissa.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> DecodeFinite(Vector512<uint> codes)
    {
        Vector512<int> signAndExponent = (codes >> 3).AsInt32();
        Vector512<float> mantissa = Avx512F.ConvertToVector512Single((codes & Vector512.Create(7u)).AsInt32());
        Vector512<float> step = Avx512F.PermuteVar16x32x2(StepLow, signAndExponent, StepHigh);
        Vector512<float> implicitOne = Avx512F.PermuteVar16x32x2(BaseLow, signAndExponent, BaseHigh);
        return Avx512F.FusedMultiplyAdd(mantissa, step, implicitOne);
    }

    private static float[] BuildStepTable(int first, bool implicitOne)
    {
        var table = new float[16];
        for (int i = 0; i < 16; i++)
        {
            int index = first + i, exponent = index & 0xF;
            float step = MathF.ScaleB((index & 0x10) != 0 ? -1f : 1f, Math.Max(exponent, 1) - 10);
            table[i] = implicitOne ? (exponent == 0 ? 0f * step : 8f * step) : step;
        }

        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> DecodeFinite(Vector256<uint> codes)
    {
        Vector256<uint> magnitude = codes & Vector256.Create(0x7Fu);
        Vector256<uint> subnormal = Vector256.LessThan(magnitude, Vector256.Create(8u));
        Vector256<uint> bits = (magnitude << 20) + Vector256.Create(120u << 23) + (subnormal & Vector256.Create(1u << 23));
        Vector256<float> value = bits.AsSingle() - (subnormal & Vector256.Create(SmallestNormalBits)).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Create(0x80000000u), codes << 24, value.AsUInt32()).AsSingle();
    }

    private static float[] BuildDecodeTable()
    {
        var table = new float[256];
        for (int code = 0; code < 256; code++)
        {
            int exponent = (code >> 3) & 0xF;
            int mantissa = code & 0x7;
            float magnitude = exponent == 0xF && mantissa == 0x7
                ? float.NaN
                : exponent == 0
                    ? mantissa * (1f / 512f)
                    : (8 + mantissa) * MathF.ScaleB(1f, exponent - 10);
            table[code] = (code & 0x80) != 0 ? -magnitude : magnitude;
        }

        return table;
    }
}
