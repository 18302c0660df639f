using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Splits 32 consecutive floats (two vectors) into their even- and odd-indexed elements, to pair
/// x with weights that a 16-bit format loads as even/odd halves of 32-bit lanes.
/// </summary>
internal static class EvenOddLanes
{
    /// <summary>Only with AVX-512 (vpermt2ps); callers check this before using Split.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Split(Vector512<float> lo, Vector512<float> hi, out Vector512<float> even, out Vector512<float> odd)
    {
        // Indices 0..15 pick from lo, 16..31 from hi.
        Vector512<int> evenIndex = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> oddIndex = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        even = Avx512F.PermuteVar16x32x2(lo, evenIndex, hi);
        odd = Avx512F.PermuteVar16x32x2(lo, oddIndex, hi);
    }
}
