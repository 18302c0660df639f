using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// bfloat16 / float16 &lt;-&gt; float32 for whole spans. Narrowing rounds to nearest even and keeps NaN a
/// NaN (quieted, sign and upper payload kept); float16 results match .NET's (Half) cast bit for bit.
/// Each SIMD method has a scalar <c>...Reference</c> twin that defines its result.
/// </summary>
public static class FloatConversions
{
    public static float BF16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static ushort SingleToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000)
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    public static void BF16ToF32(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one float per bf16 value");
        ref ushort s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                Vector512<ushort> v = Vector512.LoadUnsafe(ref s, (nuint)i);
                (Vector512.WidenLower(v) << 16).AsSingle().StoreUnsafe(ref d, (nuint)i);
                (Vector512.WidenUpper(v) << 16).AsSingle().StoreUnsafe(ref d, (nuint)(i + 16));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector256<ushort> v = Vector256.LoadUnsafe(ref s, (nuint)i);
                (Vector256.WidenLower(v) << 16).AsSingle().StoreUnsafe(ref d, (nuint)i);
                (Vector256.WidenUpper(v) << 16).AsSingle().StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = BF16ToSingle(Unsafe.Add(ref s, i));
        }
    }

    public static void BF16ToF32Reference(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one float per bf16 value");
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = BF16ToSingle(source[i]);
        }
    }

    public static void F32ToBF16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one bf16 value per float");
        ref float s = ref MemoryMarshal.GetReference(source);
        ref ushort d = ref MemoryMarshal.GetReference(destination);
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                Vector512<uint> lo = HalfBits.BFloatFromSingle(Vector512.LoadUnsafe(ref s, (nuint)i));
                Vector512<uint> hi = HalfBits.BFloatFromSingle(Vector512.LoadUnsafe(ref s, (nuint)(i + 16)));
                Vector512.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector256<uint> lo = HalfBits.BFloatFromSingle(Vector256.LoadUnsafe(ref s, (nuint)i));
                Vector256<uint> hi = HalfBits.BFloatFromSingle(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = SingleToBF16(Unsafe.Add(ref s, i));
        }
    }

    public static void F32ToBF16Reference(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one bf16 value per float");
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = SingleToBF16(source[i]);
        }
    }

    public static void F16ToF32(ReadOnlySpan<Half> source, Span<float> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one float per f16 value");
        ref ushort s = ref Unsafe.As<Half, ushort>(ref MemoryMarshal.GetReference(source));
        ref float d = ref MemoryMarshal.GetReference(destination);
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                Vector512<ushort> v = Vector512.LoadUnsafe(ref s, (nuint)i);
                bool special = HalfBits.AnyInfinityOrNaN(v);
                Vector512<uint> lo = Vector512.WidenLower(v), hi = Vector512.WidenUpper(v);
                (special ? HalfBits.ToSingle(lo) : HalfBits.FiniteToSingle(lo)).StoreUnsafe(ref d, (nuint)i);
                (special ? HalfBits.ToSingle(hi) : HalfBits.FiniteToSingle(hi)).StoreUnsafe(ref d, (nuint)(i + 16));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector256<ushort> v = Vector256.LoadUnsafe(ref s, (nuint)i);
                bool special = HalfBits.AnyInfinityOrNaN(v);
                Vector256<uint> lo = Vector256.WidenLower(v), hi = Vector256.WidenUpper(v);
                (special ? HalfBits.ToSingle(lo) : HalfBits.FiniteToSingle(lo)).StoreUnsafe(ref d, (nuint)i);
                (special ? HalfBits.ToSingle(hi) : HalfBits.FiniteToSingle(hi)).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = (float)BitConverter.UInt16BitsToHalf(Unsafe.Add(ref s, i));
        }
    }

    public static void F16ToF32Reference(ReadOnlySpan<Half> source, Span<float> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one float per f16 value");
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    public static void F32ToF16(ReadOnlySpan<float> source, Span<Half> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one f16 value per float");
        ref float s = ref MemoryMarshal.GetReference(source);
        ref ushort d = ref Unsafe.As<Half, ushort>(ref MemoryMarshal.GetReference(destination));
        int n = source.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                Vector512<uint> lo = HalfBits.FromSingle(Vector512.LoadUnsafe(ref s, (nuint)i));
                Vector512<uint> hi = HalfBits.FromSingle(Vector512.LoadUnsafe(ref s, (nuint)(i + 16)));
                Vector512.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                Vector256<uint> lo = HalfBits.FromSingle(Vector256.LoadUnsafe(ref s, (nuint)i));
                Vector256<uint> hi = HalfBits.FromSingle(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = BitConverter.HalfToUInt16Bits((Half)Unsafe.Add(ref s, i));
        }
    }

    public static void F32ToF16Reference(ReadOnlySpan<float> source, Span<Half> destination)
    {
        LengthChecks.Equal(destination.Length, source.Length, nameof(destination), "one f16 value per float");
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (Half)source[i];
        }
    }
}
