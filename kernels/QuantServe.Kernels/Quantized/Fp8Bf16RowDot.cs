using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// The decode (m &lt; 4) kernel for FP8 weights on AVX-512 VBMI. Every finite e4m3 value is exactly a bfloat16
/// (3 mantissa bits, exponents 2^-9..2^8), so a code's 7-bit magnitude indexes two 128-entry byte tables, the
/// low and the high byte of that bfloat16, with one vpermt2b each for 64 codes; the sign bit is OR-ed into the
/// high byte. Interleaving the two byte vectors gives bfloat16 words, and a bfloat16 is the top half of its
/// float: a shift (even words) and a mask (odd words) make fp32 lanes. That is 13 instructions per 64 weights
/// where the bit-arithmetic decode (<see cref="Fp8Codes"/>) needs 32. The unpacks work inside 128-bit lanes,
/// so the four float vectors of a 64-code chunk hold the codes in the order <see cref="ReorderActivations"/>
/// gives the activations once per call.
/// </summary>
internal unsafe struct Fp8Bf16RowDot : IRowDot
{
    public const int Chunk = 64;

    private static readonly Vector512<byte> LowBytes0, LowBytes1, HighBytes0, HighBytes1;

    public byte* Codes;
    public float* Scales;

    /// <summary>Activations reordered by <see cref="ReorderActivations"/> (whole chunks; the tail as given).</summary>
    public float* X;

    public int K;

    static Fp8Bf16RowDot()
    {
        var low = new byte[128];
        var high = new byte[128];
        for (int code = 0; code < 0x7F; code++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(Fp8E4M3.ToSingle((byte)code));
            if ((bits & 0xFFFF) != 0)
            {
                throw new InvalidOperationException($"e4m3 code 0x{code:X2} is not a bfloat16; the table decoder cannot be used");
            }

            low[code] = (byte)(bits >> 16);
            high[code] = (byte)(bits >> 24);
        }

        LowBytes0 = Vector512.Create(low.AsSpan(0, 64));
        LowBytes1 = Vector512.Create(low.AsSpan(64, 64));
        HighBytes0 = Vector512.Create(high.AsSpan(0, 64));
        HighBytes1 = Vector512.Create(high.AsSpan(64, 64));
    }

    public static bool IsSupported(int k) => Avx512Vbmi.IsSupported && k >= Chunk;

    /// <summary>
    /// destination = source with every whole chunk of 64 permuted into the order the decoder yields:
    /// four groups of 16, group g lane (4L + s) = input 16L + 8(g / 2) + 2s + (g % 2).
    /// </summary>
    public static void ReorderActivations(float* source, float* destination, int k)
    {
        int whole = k - (k % Chunk);
        for (int c = 0; c < whole; c += Chunk)
        {
            for (int g = 0; g < 4; g++)
            {
                for (int lane = 0; lane < 4; lane++)
                {
                    for (int s = 0; s < 4; s++)
                    {
                        destination[c + (16 * g) + (4 * lane) + s] = source[c + (16 * lane) + (8 * (g / 2)) + (2 * s) + (g % 2)];
                    }
                }
            }
        }

        new ReadOnlySpan<float>(source + whole, k - whole).CopyTo(new Span<float>(destination + whole, k - whole));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dot<TRows>(int j, int firstRow, float* y, int ldy)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value;
        int k = K;
        float* x = X + ((long)firstRow * k);
        float* x1 = x + k, x2 = x1 + k, x3 = x2 + k; // rows past TRows.Value are never read
        byte* w = Codes + ((long)j * k);
        Vector512<float> a0 = default, b0 = default, c0 = default, d0 = default;
        Vector512<float> a1 = default, a2 = default, a3 = default;
        Vector512<uint> oddMask = Vector512.Create(0xFFFF0000u);
        nint i = 0;
        for (; i + Chunk <= k; i += Chunk)
        {
            StreamPrefetch.Ahead(w + i);
            Vector512<byte> codes = Vector512.Load(w + i);
            Vector512<byte> low = Avx512Vbmi.PermuteVar64x8x2(LowBytes0, codes, LowBytes1);
            Vector512<byte> high = Avx512Vbmi.PermuteVar64x8x2(HighBytes0, codes, HighBytes1) | (codes & Vector512.Create((byte)0x80));
            Vector512<uint> first = Avx512BW.UnpackLow(low, high).AsUInt32();
            Vector512<uint> second = Avx512BW.UnpackHigh(low, high).AsUInt32();
            Vector512<float> f0 = (first << 16).AsSingle();
            Vector512<float> f1 = (first & oddMask).AsSingle();
            Vector512<float> f2 = (second << 16).AsSingle();
            Vector512<float> f3 = (second & oddMask).AsSingle();
            if (rows == 1)
            {
                // Four chains: the FMA latency never waits on itself.
                a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i), f0, a0);
                b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 16), f1, b0);
                c0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 32), f2, c0);
                d0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 48), f3, d0);
                continue;
            }

            a0 = ChunkDot(x + i, f0, f1, f2, f3, a0);
            a1 = ChunkDot(x1 + i, f0, f1, f2, f3, a1);
            if (rows > 2)
            {
                a2 = ChunkDot(x2 + i, f0, f1, f2, f3, a2);
            }

            if (rows > 3)
            {
                a3 = ChunkDot(x3 + i, f0, f1, f2, f3, a3);
            }
        }

        float s0 = Vector512.Sum((a0 + b0) + (c0 + d0)), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
        ScaledRowDot<Fp8Codes>.FinishRows<TRows>(w, x, k, i, k, s0, s1, s2, s3, Scales[j], y, ldy);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ChunkDot(float* x, Vector512<float> f0, Vector512<float> f1, Vector512<float> f2, Vector512<float> f3, Vector512<float> acc) =>
        Avx512F.FusedMultiplyAdd(Vector512.Load(x), f0, Avx512F.FusedMultiplyAdd(Vector512.Load(x + 16), f1,
            Avx512F.FusedMultiplyAdd(Vector512.Load(x + 32), f2, Avx512F.FusedMultiplyAdd(Vector512.Load(x + 48), f3, acc))));
}
