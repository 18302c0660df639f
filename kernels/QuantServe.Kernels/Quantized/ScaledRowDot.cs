using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Dot products for one-byte-per-weight formats with a scale per output row (int8 for EETQ, e4m3 for FP8):
/// codes are decoded to fp32 in registers by <typeparamref name="TCodes"/>, multiplied with fp32 activations
/// (two accumulator chains per row in the AVX-512 path) and the row scale multiplies the finished sums.
/// </summary>
internal unsafe struct ScaledRowDot<TCodes> : IRowDot, IRowDequantizer
    where TCodes : struct, IByteCodes
{
    public byte* Codes;
    public float* Scales;
    public float* X;
    public int K;

    public readonly void DequantizeRow(int j, float* destination)
    {
        byte* w = Codes + ((long)j * K);
        float scale = Scales[j];
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 16 <= K; i += 16)
            {
                (TCodes.Decode16(w + i) * scale).Store(destination + i);
            }
        }

        for (; i < K; i++)
        {
            destination[i] = TCodes.Decode1(w + i) * scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dot<TRows>(int j, int firstRow, float* y, int ldy)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value;
        int k = K;
        int ldx = k;
        float* x = X + ((long)firstRow * k);
        float* x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx; // rows past TRows.Value are never read
        byte* w = Codes + ((long)j * k);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        nint i = 0; // native-sized index: the addressing needs no sign extension per load
        if (Avx512F.IsSupported)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            for (; i + 32 <= k; i += 32)
            {
                StreamPrefetch.Ahead(w + i);
                Vector512<float> w0 = TCodes.Decode16(w + i);
                Vector512<float> w1 = TCodes.Decode16(w + i + 16);
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i), w0, a0);
                b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 16), w1, b0);
                if (rows > 1)
                {
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x1 + i), w0, a1);
                    b1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x1 + i + 16), w1, b1);
                }

                if (rows > 2)
                {
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x2 + i), w0, a2);
                    b2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x2 + i + 16), w1, b2);
                }

                if (rows > 3)
                {
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x3 + i), w0, a3);
                    b3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x3 + i + 16), w1, b3);
                }
            }

            s0 = Vector512.Sum(a0 + b0);
            s1 = Vector512.Sum(a1 + b1);
            s2 = Vector512.Sum(a2 + b2);
            s3 = Vector512.Sum(a3 + b3);
        }
        else if (Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 8 <= k; i += 8)
            {
                StreamPrefetch.Ahead(w + i);
                Vector256<float> w0 = TCodes.Decode8(w + i);
                a0 = Fma.MultiplyAdd(Vector256.Load(x + i), w0, a0);
                if (rows > 1)
                {
                    a1 = Fma.MultiplyAdd(Vector256.Load(x1 + i), w0, a1);
                }

                if (rows > 2)
                {
                    a2 = Fma.MultiplyAdd(Vector256.Load(x2 + i), w0, a2);
                }

                if (rows > 3)
                {
                    a3 = Fma.MultiplyAdd(Vector256.Load(x3 + i), w0, a3);
                }
            }

            s0 = Vector256.Sum(a0);
            s1 = Vector256.Sum(a1);
            s2 = Vector256.Sum(a2);
            s3 = Vector256.Sum(a3);
        }

        FinishRows<TRows>(w, x, ldx, i, k, s0, s1, s2, s3, Scales[j], y, ldy);
    }

    /// <summary>
    /// The scalar tail [i, k) of every row's dot product, then each sum times the row scale into y: shared by the
    /// kernels whose codes decode like <typeparamref name="TCodes"/> (also <see cref="Fp8Bf16RowDot"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FinishRows<TRows>(
        byte* w, float* x, int ldx, nint i, int k, float s0, float s1, float s2, float s3, float scale, float* y, int ldy)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value;
        float* x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx; // rows past TRows.Value are never read
        for (; i < k; i++)
        {
            float wi = TCodes.Decode1(w + i);
            s0 += x[i] * wi;
            if (rows > 1)
            {
                s1 += x1[i] * wi;
            }

            if (rows > 2)
            {
                s2 += x2[i] * wi;
            }

            if (rows > 3)
            {
                s3 += x3[i] * wi;
            }
        }

        y[0] = s0 * scale;
        if (rows > 1)
        {
            y[ldy] = s1 * scale;
        }

        if (rows > 2)
        {
            y[2 * ldy] = s2 * scale;
        }

        if (rows > 3)
        {
            y[3 * ldy] = s3 * scale;
        }
    }
}
