using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantServe.Kernels.Quantized;

/// <summary>float8 e4m3fn codes: zero-extended to 32 bits (vpmovzxbd), then decoded by <see cref="Fp8E4M3"/>'s bit arithmetic (NaN codes never reach the kernel: <see cref="Fp8RowWeights"/> refuses them).</summary>
internal readonly unsafe struct Fp8Codes : IByteCodes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Decode16(byte* p) =>
        Fp8E4M3.DecodeFinite(Avx512F.ConvertToVector512UInt32(Vector128.Load(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Decode8(byte* p) =>
        Fp8E4M3.DecodeFinite(Avx2.ConvertToVector256Int32(p).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Decode1(byte* p) => Fp8E4M3.ToSingle(*p);
}
