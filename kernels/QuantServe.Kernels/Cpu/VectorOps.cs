using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Small fp32 vector operations of the decode loop. SIMD (Vector512, else Vector256, with a scalar
/// tail) next to scalar <c>...Reference</c> twins. Elementwise results are bit-identical to the
/// reference (same operations, same rounding); Dot sums in a different order and agrees within the
/// fp32 summation error.
/// </summary>
public static class VectorOps
{
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        LengthChecks.Equal(b.Length, a.Length, nameof(b), "Dot pairs a[i] with b[i]");
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        int n = a.Length;
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; i <= n - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)(i + 16)), Vector512.LoadUnsafe(ref pb, (nuint)(i + 16)), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)(i + 32)), Vector512.LoadUnsafe(ref pb, (nuint)(i + 32)), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)(i + 48)), Vector512.LoadUnsafe(ref pb, (nuint)(i + 48)), s3);
            }

            for (; i <= n - 16; i += 16)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), s0);
            }

            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; i <= n - 32; i += 32)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)(i + 8)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 8)), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)(i + 16)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 16)), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)(i + 24)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 24)), s3);
            }

            for (; i <= n - 8; i += 8)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), s0);
            }

            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }

        for (; i < n; i++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), sum);
        }

        return sum;
    }

    public static float DotReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        LengthChecks.Equal(b.Length, a.Length, nameof(b), "Dot pairs a[i] with b[i]");
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
        }

        return sum;
    }

    /// <summary>y += alpha * x, with one rounding per element (fused multiply-add).</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        LengthChecks.Equal(y.Length, x.Length, nameof(y), "y += alpha * x elementwise");
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
            {
                Vector512.FusedMultiplyAdd(a, Vector512.LoadUnsafe(ref px, (nuint)i), Vector512.LoadUnsafe(ref py, (nuint)i))
                    .StoreUnsafe(ref py, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
            {
                Vector256.FusedMultiplyAdd(a, Vector256.LoadUnsafe(ref px, (nuint)i), Vector256.LoadUnsafe(ref py, (nuint)i))
                    .StoreUnsafe(ref py, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) = MathF.FusedMultiplyAdd(alpha, Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        }
    }

    public static void AxpyReference(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        LengthChecks.Equal(y.Length, x.Length, nameof(y), "y += alpha * x elementwise");
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(alpha, x[i], y[i]);
        }
    }

    /// <summary>y = a + b elementwise; y may be a or b.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        LengthChecks.Equal(b.Length, a.Length, nameof(b), "a + b elementwise");
        LengthChecks.Equal(y.Length, a.Length, nameof(y), "one output per element of a");
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = a.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                (Vector512.LoadUnsafe(ref pa, (nuint)i) + Vector512.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                (Vector256.LoadUnsafe(ref pa, (nuint)i) + Vector256.LoadUnsafe(ref pb, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) = Unsafe.Add(ref pa, i) + Unsafe.Add(ref pb, i);
        }
    }

    public static void AddReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        LengthChecks.Equal(b.Length, a.Length, nameof(b), "a + b elementwise");
        LengthChecks.Equal(y.Length, a.Length, nameof(y), "one output per element of a");
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }
    }

    public static void Scale(Span<float> x, float s)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> v = Vector512.Create(s);
            for (; i <= n - 16; i += 16)
            {
                (Vector512.LoadUnsafe(ref px, (nuint)i) * v).StoreUnsafe(ref px, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> v = Vector256.Create(s);
            for (; i <= n - 8; i += 8)
            {
                (Vector256.LoadUnsafe(ref px, (nuint)i) * v).StoreUnsafe(ref px, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref px, i) *= s;
        }
    }

    public static void ScaleReference(Span<float> x, float s)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= s;
        }
    }

    /// <summary>
    /// Index of the largest element; the first one on ties. A NaN counts as the largest (as
    /// torch.argmax does), so the first NaN wins.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> x)
    {
        LengthChecks.NotEmpty(x.Length, nameof(x), "ArgMax");
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        int i = 0;
        float max = float.NegativeInfinity;
        bool sawNan = false;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> m = Vector512.Create(float.NegativeInfinity);
            Vector512<float> nan = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref px, (nuint)i);
                nan |= Vector512.IsNaN(v);
                m = Vector512.MaxNative(m, v);
            }

            sawNan = nan != Vector512<float>.Zero;
            max = ReduceMax(m);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> m = Vector256.Create(float.NegativeInfinity);
            Vector256<float> nan = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref px, (nuint)i);
                nan |= Vector256.IsNaN(v);
                m = Vector256.MaxNative(m, v);
            }

            sawNan = nan != Vector256<float>.Zero;
            max = ReduceMax(m);
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref px, i);
            sawNan |= float.IsNaN(v);
            max = v > max ? v : max;
        }

        for (int j = 0; j < n; j++)
        {
            float v = Unsafe.Add(ref px, j);
            if (sawNan ? float.IsNaN(v) : v == max)
            {
                return j;
            }
        }

        // Unreachable for non-empty input: max is one of the elements (-inf included).
        throw new InvalidOperationException("ArgMax found no maximum.");
    }

    public static int ArgMaxReference(ReadOnlySpan<float> x)
    {
        LengthChecks.NotEmpty(x.Length, nameof(x), "ArgMax");
        int best = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (float.IsNaN(x[best]))
            {
                break;
            }

            if (float.IsNaN(x[i]) || x[i] > x[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static float ReduceMax(Vector256<float> v) => MathF.Max(ReduceMax(v.GetLower()), ReduceMax(v.GetUpper()));

    private static float ReduceMax(Vector512<float> v) => MathF.Max(ReduceMax(v.GetLower()), ReduceMax(v.GetUpper()));

    private static float ReduceMax(Vector128<float> v)
    {
        float max = float.NegativeInfinity;
        for (int lane = 0; lane < Vector128<float>.Count; lane++)
        {
            float e = v.GetElement(lane);
            max = e > max ? e : max;
        }

        return max;
    }
}
