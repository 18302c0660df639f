using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantServe.Kernels.Quantized;

/// <summary>Signed int8 codes: sign-extended to 32 bits (vpmovsxbd) and converted to fp32.</summary>
internal readonly unsafe struct Int8Codes : IByteCodes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* p) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* p) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Decode1(byte* p) => *(sbyte*)p;
}
