using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Rotary position embedding on one head, in Hugging Face's rotate_half layout (the first half of
/// the head pairs with the second half): with h = d/2,
/// out[i] = x[i]*cos[i] - x[i+h]*sin[i], out[i+h] = x[i+h]*cos[i] + x[i]*sin[i].
/// cos/sin hold the h distinct values of one position (HF repeats them over both halves).
/// Same roundings as PyTorch (two products, then one add), so SIMD and reference agree bit for bit.
/// </summary>
public static class Rope
{
    public static void Apply(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        Validate(head, cos, sin);
        int half = cos.Length;
        ref float lo = ref MemoryMarshal.GetReference(head);
        ref float hi = ref Unsafe.Add(ref lo, half);
        ref float pc = ref MemoryMarshal.GetReference(cos);
        ref float ps = ref MemoryMarshal.GetReference(sin);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= half - 16; i += 16)
            {
                Vector512<float> a = Vector512.LoadUnsafe(ref lo, (nuint)i);
                Vector512<float> b = Vector512.LoadUnsafe(ref hi, (nuint)i);
                Vector512<float> c = Vector512.LoadUnsafe(ref pc, (nuint)i);
                Vector512<float> s = Vector512.LoadUnsafe(ref ps, (nuint)i);
                ((a * c) - (b * s)).StoreUnsafe(ref lo, (nuint)i);
                ((b * c) + (a * s)).StoreUnsafe(ref hi, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= half - 8; i += 8)
            {
                Vector256<float> a = Vector256.LoadUnsafe(ref lo, (nuint)i);
                Vector256<float> b = Vector256.LoadUnsafe(ref hi, (nuint)i);
                Vector256<float> c = Vector256.LoadUnsafe(ref pc, (nuint)i);
                Vector256<float> s = Vector256.LoadUnsafe(ref ps, (nuint)i);
                ((a * c) - (b * s)).StoreUnsafe(ref lo, (nuint)i);
                ((b * c) + (a * s)).StoreUnsafe(ref hi, (nuint)i);
            }
        }

        for (; i < half; i++)
        {
            float a = Unsafe.Add(ref lo, i);
            float b = Unsafe.Add(ref hi, i);
            float c = Unsafe.Add(ref pc, i);
            float s = Unsafe.Add(ref ps, i);
            Unsafe.Add(ref lo, i) = (a * c) - (b * s);
            Unsafe.Add(ref hi, i) = (b * c) + (a * s);
        }
    }

    public static void ApplyReference(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        Validate(head, cos, sin);
        int half = cos.Length;
        for (int i = 0; i < half; i++)
        {
            float a = head[i];
            float b = head[i + half];
            float p = a * cos[i];
            float q = b * sin[i];
            head[i] = p - q;
            float r = b * cos[i];
            float t = a * sin[i];
            head[i + half] = r + t;
        }
    }

    private static void Validate(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        LengthChecks.Equal(sin.Length, cos.Length, nameof(sin), "one sin per cos");
        LengthChecks.Equal(head.Length, 2 * cos.Length, nameof(head), "a head is two halves of cos.Length");
    }
}
