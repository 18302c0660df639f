using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// y = silu(gate) * up with silu(g) = g / (1 + exp(-g)), as PyTorch computes it. y may be gate or up.
/// exp comes from Vector512/256.Exp in the SIMD path and MathF.Exp in the reference (a few ulp apart).
/// </summary>
public static class SwiGlu
{
    public static void Apply(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        Validate(gate, up, y);
        ref float pg = ref MemoryMarshal.GetReference(gate);
        ref float pu = ref MemoryMarshal.GetReference(up);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = gate.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> one = Vector512<float>.One;
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> g = Vector512.LoadUnsafe(ref pg, (nuint)i);
                Vector512<float> silu = g / (one + Vector512.Exp(-g));
                (silu * Vector512.LoadUnsafe(ref pu, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> one = Vector256<float>.One;
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> g = Vector256.LoadUnsafe(ref pg, (nuint)i);
                Vector256<float> silu = g / (one + Vector256.Exp(-g));
                (silu * Vector256.LoadUnsafe(ref pu, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float g = Unsafe.Add(ref pg, i);
            Unsafe.Add(ref py, i) = g / (1f + MathF.Exp(-g)) * Unsafe.Add(ref pu, i);
        }
    }

    public static void ApplyReference(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        Validate(gate, up, y);
        for (int i = 0; i < gate.Length; i++)
        {
            float g = gate[i];
            y[i] = g / (1f + MathF.Exp(-g)) * up[i];
        }
    }

    private static void Validate(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        LengthChecks.Equal(up.Length, gate.Length, nameof(up), "one up value per gate value");
        LengthChecks.Equal(y.Length, gate.Length, nameof(y), "one output per gate value");
    }
}
