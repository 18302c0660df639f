using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Softmax in place, max-subtracted so large logits cannot overflow, and log-sum-exp. exp comes from
/// Vector512/256.Exp in the SIMD path and MathF.Exp in the reference, so the two differ by a few ulp.
/// As in PyTorch, a row that is all -inf gives NaN.
/// </summary>
public static class Softmax
{
    public static void Apply(Span<float> x)
    {
        if (x.IsEmpty)
        {
            return;
        }

        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        float max = Max(ref px, n);
        float sum = ExpInPlace(ref px, n, max);
        Divide(ref px, n, sum);
    }

    public static void ApplyReference(Span<float> x)
    {
        if (x.IsEmpty)
        {
            return;
        }

        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = MathF.Max(max, v);
        }

        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }

        for (int i = 0; i < x.Length; i++)
        {
            x[i] /= sum;
        }
    }

    /// <summary>log(sum(exp(x))), computed as max + log(sum(exp(x - max))); -inf for an empty span.</summary>
    public static float LogSumExp(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty)
        {
            return float.NegativeInfinity;
        }

        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        float max = Max(ref px, n);
        if (float.IsInfinity(max))
        {
            return max;
        }

        return max + MathF.Log(SumExp(ref px, n, max));
    }

    public static float LogSumExpReference(ReadOnlySpan<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = MathF.Max(max, v);
        }

        if (float.IsInfinity(max))
        {
            return max;
        }

        float sum = 0f;
        foreach (float v in x)
        {
            sum += MathF.Exp(v - max);
        }

        return max + MathF.Log(sum);
    }

    private static float Max(ref float px, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> m = Vector512.Create(float.NegativeInfinity);
            for (; i <= n - 16; i += 16)
            {
                m = Vector512.Max(m, Vector512.LoadUnsafe(ref px, (nuint)i));
            }

            for (int lane = 0; lane < Vector512<float>.Count; lane++)
            {
                max = MathF.Max(max, m.GetElement(lane));
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> m = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - 8; i += 8)
            {
                m = Vector256.Max(m, Vector256.LoadUnsafe(ref px, (nuint)i));
            }

            for (int lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = MathF.Max(max, m.GetElement(lane));
            }
        }

        for (; i < n; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref px, i));
        }

        return max;
    }

    private static float ExpInPlace(ref float px, int n, float max)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> m = Vector512.Create(max);
            Vector512<float> s = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> e = Vector512.Exp(Vector512.LoadUnsafe(ref px, (nuint)i) - m);
                e.StoreUnsafe(ref px, (nuint)i);
                s += e;
            }

            sum = Vector512.Sum(s);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> m = Vector256.Create(max);
            Vector256<float> s = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> e = Vector256.Exp(Vector256.LoadUnsafe(ref px, (nuint)i) - m);
                e.StoreUnsafe(ref px, (nuint)i);
                s += e;
            }

            sum = Vector256.Sum(s);
        }

        for (; i < n; i++)
        {
            float e = MathF.Exp(Unsafe.Add(ref px, i) - max);
            Unsafe.Add(ref px, i) = e;
            sum += e;
        }

        return sum;
    }

    private static float SumExp(ref float px, int n, float max)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> m = Vector512.Create(max);
            Vector512<float> s = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                s += Vector512.Exp(Vector512.LoadUnsafe(ref px, (nuint)i) - m);
            }

            sum = Vector512.Sum(s);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> m = Vector256.Create(max);
            Vector256<float> s = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                s += Vector256.Exp(Vector256.LoadUnsafe(ref px, (nuint)i) - m);
            }

            sum = Vector256.Sum(s);
        }

        for (; i < n; i++)
        {
            sum += MathF.Exp(Unsafe.Add(ref px, i) - max);
        }

        return sum;
    }

    private static void Divide(ref float px, int n, float sum)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s = Vector512.Create(sum);
            for (; i <= n - 16; i += 16)
            {
                (Vector512.LoadUnsafe(ref px, (nuint)i) / s).StoreUnsafe(ref px, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s = Vector256.Create(sum);
            for (; i <= n - 8; i += 8)
            {
                (Vector256.LoadUnsafe(ref px, (nuint)i) / s).StoreUnsafe(ref px, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref px, i) /= sum;
        }
    }
}
