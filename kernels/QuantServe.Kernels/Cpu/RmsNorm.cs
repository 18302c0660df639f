using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// y = x / sqrt(mean(x^2) + eps) * weight, in fp32 as Hugging Face's LlamaRMSNorm computes it:
/// (x * rsqrt(variance + eps)) first, then times weight. y may be x (in place).
/// </summary>
public static class RmsNorm
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        Validate(x, weight, y);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(weight);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        float inv = 1f / MathF.Sqrt(SumOfSquares(ref px, n) / n + eps);

        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s = Vector512.Create(inv);
            for (; i <= n - 16; i += 16)
            {
                (Vector512.LoadUnsafe(ref px, (nuint)i) * s * Vector512.LoadUnsafe(ref pw, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> s = Vector256.Create(inv);
            for (; i <= n - 8; i += 8)
            {
                (Vector256.LoadUnsafe(ref px, (nuint)i) * s * Vector256.LoadUnsafe(ref pw, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) = Unsafe.Add(ref px, i) * inv * Unsafe.Add(ref pw, i);
        }
    }

    public static void ApplyReference(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        Validate(x, weight, y);
        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * x[i];
        }

        float inv = 1f / MathF.Sqrt(sum / x.Length + eps);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * inv * weight[i];
        }
    }

    private static void Validate(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y)
    {
        LengthChecks.NotEmpty(x.Length, nameof(x), "RmsNorm (the mean of no squares is undefined)");
        LengthChecks.Equal(weight.Length, x.Length, nameof(weight), "one weight per element of x");
        LengthChecks.Equal(y.Length, x.Length, nameof(y), "one output per element of x");
    }

    private static float SumOfSquares(ref float px, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = s0;
            for (; i <= n - 32; i += 32)
            {
                Vector512<float> a = Vector512.LoadUnsafe(ref px, (nuint)i);
                Vector512<float> b = Vector512.LoadUnsafe(ref px, (nuint)(i + 16));
                s0 = Vector512.FusedMultiplyAdd(a, a, s0);
                s1 = Vector512.FusedMultiplyAdd(b, b, s1);
            }

            for (; i <= n - 16; i += 16)
            {
                Vector512<float> a = Vector512.LoadUnsafe(ref px, (nuint)i);
                s0 = Vector512.FusedMultiplyAdd(a, a, s0);
            }

            sum = Vector512.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0;
            for (; i <= n - 16; i += 16)
            {
                Vector256<float> a = Vector256.LoadUnsafe(ref px, (nuint)i);
                Vector256<float> b = Vector256.LoadUnsafe(ref px, (nuint)(i + 8));
                s0 = Vector256.FusedMultiplyAdd(a, a, s0);
                s1 = Vector256.FusedMultiplyAdd(b, b, s1);
            }

            for (; i <= n - 8; i += 8)
            {
                Vector256<float> a = Vector256.LoadUnsafe(ref px, (nuint)i);
                s0 = Vector256.FusedMultiplyAdd(a, a, s0);
            }

            sum = Vector256.Sum(s0 + s1);
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref px, i);
            sum = MathF.FusedMultiplyAdd(v, v, sum);
        }

        return sum;
    }
}
