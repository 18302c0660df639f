using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// y[m x n] = x[m x k] W^T with W = <see cref="Bnb4BitWeights"/> (nf4 / fp4) and fp32 activations.
/// Fast path (Cols a multiple of BlockSize, BlockSize a multiple of 32, AVX-512 or AVX2): per block the
/// absmax is decoded (double quantization: one table read and one multiply-add) and multiplied into the
/// 16-entry codebook held in a register; each group of 16 bytes is zero-extended to 32-bit lanes, split into
/// high nibbles (even elements) and low nibbles (odd elements) and decoded with one vpermps each. Instead of
/// interleaving the decoded weights, x is reordered once per call into the same even/odd order per group.
/// Other shapes use a scalar decoder. From <see cref="PrefillBody{TDot}.MinRows"/> activation rows on, blocks of
/// weight rows are dequantized into an L2-sized fp32 buffer and multiplied by the dense fp32 GEMM tile.
/// Threaded over output features.
/// </summary>
public static unsafe class Bnb4BitMatMul
{
    public static void Multiply(Bnb4BitWeights weights, ReadOnlySpan<float> x, Span<float> y, int m)
    {
        CheckShapes(weights, x.Length, y.Length, m);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            Multiply(weights, px, py, m);
        }
    }

    public static void Multiply(Bnb4BitWeights weights, float* x, float* y, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int k = weights.Cols, n = weights.Rows;
        int group = Avx512F.IsSupported ? 32 : Avx2.IsSupported && Fma.IsSupported ? 16 : 0;
        bool fast = group != 0 && k % weights.BlockSize == 0 && weights.BlockSize % 32 == 0;
        var kernel = new Bnb4BitRowDot
        {
            Packed = weights.PackedPointer,
            Codebook = weights.CodebookPointer,
            Absmax = weights.AbsmaxPointer,
            AbsmaxCodes = weights.AbsmaxCodesPointer,
            NestedAbsmax = weights.NestedAbsmaxPointer,
            NestedMap = weights.NestedMapPointer,
            NestedBlockSize = weights.NestedBlockSize,
            Offset = weights.Offset,
            BlockSize = weights.BlockSize,
            K = k,
            Fast = fast,
        };
        if (m >= PrefillBody<Bnb4BitRowDot>.MinRows)
        {
            PrefillBody<Bnb4BitRowDot>.Run(kernel, x, y, m, n, k);
            return;
        }

        if (!fast || m == 0)
        {
            kernel.X = x;
            RowTileBody<Bnb4BitRowDot>.Run(kernel, y, m, n);
            return;
        }

        int length = checked(m * k);
        float[] rented = ArrayPool<float>.Shared.Rent(length);
        try
        {
            fixed (float* reordered = rented)
            {
                ReorderEvenOdd(x, reordered, length, group);
                kernel.X = reordered;
                RowTileBody<Bnb4BitRowDot>.Run(kernel, y, m, n);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Scalar twin: decodes every weight from the packed bytes, fp32 sums in k order.</summary>
    public static void MultiplyReference(Bnb4BitWeights weights, ReadOnlySpan<float> x, Span<float> y, int m)
    {
        CheckShapes(weights, x.Length, y.Length, m);
        int n = weights.Rows, k = weights.Cols;
        ReadOnlySpan<float> codebook = weights.Codebook;
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int i = 0; i < k; i++)
                {
                    long e = ((long)j * k) + i;
                    float w = codebook[weights.CodeAt(e)] * weights.BlockAbsmax((int)(e / weights.BlockSize));
                    sum += x[(r * k) + i] * w;
                }

                y[(r * n) + j] = sum;
            }
        }
    }

    // Within each group of `group` inputs: the even-indexed ones first, then the odd-indexed ones.
    private static void ReorderEvenOdd(float* source, float* destination, int length, int group)
    {
        int half = group / 2;
        for (int g = 0; g < length; g += group)
        {
            for (int t = 0; t < half; t++)
            {
                destination[g + t] = source[g + (2 * t)];
                destination[g + half + t] = source[g + (2 * t) + 1];
            }
        }
    }

    private static void CheckShapes(Bnb4BitWeights weights, int xLength, int yLength, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (xLength < (long)m * weights.Cols)
        {
            throw new ArgumentException($"x has {xLength} values; {m} rows of {weights.Cols} inputs are needed", "x");
        }

        if (yLength < (long)m * weights.Rows)
        {
            throw new ArgumentException($"y has {yLength} values; {m} rows of {weights.Rows} outputs are needed", "y");
        }
    }

    private struct Bnb4BitRowDot : IRowDot, IRowDequantizer
    {
        public byte* Packed;
        public float* Codebook;
        public float* Absmax;
        public byte* AbsmaxCodes;
        public float* NestedAbsmax;
        public float* NestedMap;
        public int NestedBlockSize;
        public float Offset;
        public int BlockSize;
        public float* X;
        public int K;
        public bool Fast;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dot<TRows>(int j, int firstRow, float* y, int ldy)
            where TRows : struct, IRowCount
        {
            float* x = X + ((long)firstRow * K);
            if (!Fast)
            {
                DotScalar<TRows>(j, x, K, y, ldy);
            }
            else if (Avx512F.IsSupported)
            {
                Dot512<TRows>(j, x, K, y, ldy);
            }
            else
            {
                Dot256<TRows>(j, x, K, y, ldy);
            }
        }

        public readonly void DequantizeRow(int j, float* destination)
        {
            if (K % BlockSize == 0 && (BlockSize & 1) == 0)
            {
                DequantizeAlignedRow(j, destination);
                return;
            }

            long first = (long)j * K;
            long currentBlock = -1;
            float absmax = 0f;
            for (int i = 0; i < K; i++)
            {
                long e = first + i;
                long block = e / BlockSize;
                if (block != currentBlock)
                {
                    currentBlock = block;
                    absmax = AbsmaxCodes == null
                        ? Absmax[block]
                        : (NestedMap[AbsmaxCodes[block]] * NestedAbsmax[block / NestedBlockSize]) + Offset;
                }

                byte packed = Packed[e >> 1];
                destination[i] = Codebook[(e & 1) == 0 ? packed >> 4 : packed & 0xF] * absmax;
            }
        }

        // Rows made of whole blocks: one absmax and one scaled 16-entry table per block, two codes per byte.
        private readonly void DequantizeAlignedRow(int j, float* destination)
        {
            byte* p = Packed + ((long)j * K / 2);
            long block = (long)j * K / BlockSize;
            long nested = block / NestedBlockSize;
            int inNested = (int)(block % NestedBlockSize);
            float* table = stackalloc float[16];
            bool wide = Avx512F.IsSupported && BlockSize % 32 == 0;
            Vector512<int> firstHalf = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            Vector512<int> secondHalf = firstHalf + Vector512.Create(8);
            for (int start = 0; start < K; start += BlockSize, block++)
            {
                float absmax = BlockAbsmax(block, ref nested, ref inNested);
                if (wide)
                {
                    // 16 bytes -> even and odd elements by vpermps, interleaved back into order by vpermt2ps.
                    Vector512<float> scaled = Vector512.Load(Codebook) * absmax;
                    for (nint i = start; i < start + BlockSize; i += 32)
                    {
                        Vector512<int> bytes = Avx512F.ConvertToVector512Int32(Vector128.Load(p + (i >> 1)));
                        Vector512<float> even = Avx512F.PermuteVar16x32(scaled, Vector512.ShiftRightLogical(bytes, 4));
                        Vector512<float> odd = Avx512F.PermuteVar16x32(scaled, bytes & Vector512.Create(0xF));
                        Avx512F.PermuteVar16x32x2(even, firstHalf, odd).Store(destination + i);
                        Avx512F.PermuteVar16x32x2(even, secondHalf, odd).Store(destination + i + 16);
                    }

                    continue;
                }

                for (int c = 0; c < 16; c++)
                {
                    table[c] = Codebook[c] * absmax;
                }

                for (int i = start; i < start + BlockSize; i += 2)
                {
                    byte packed = p[i >> 1];
                    destination[i] = table[packed >> 4];
                    destination[i + 1] = table[packed & 0xF];
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly float BlockAbsmax(long block, ref long nested, ref int inNested)
        {
            if (AbsmaxCodes == null)
            {
                return Absmax[block];
            }

            float value = (NestedMap[AbsmaxCodes[block]] * NestedAbsmax[nested]) + Offset;
            if (++inNested == NestedBlockSize)
            {
                inNested = 0;
                nested++;
            }

            return value;
        }

        // The codebook times the absmax of `block`. With double quantization absmax = NestedMap[code] * NestedAbsmax + Offset,
        // so the table is (codebook * NestedAbsmax) * NestedMap[code] + codebook * Offset: one FMA on a broadcast load per
        // block instead of a scalar multiply-add, a broadcast and a multiply (reassociated: within fp32 rounding of
        // BlockAbsmax). nestedTerm changes every NestedBlockSize blocks; inNested counts the blocks already used of it.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly Vector512<float> BlockTable(
            Vector512<float> codebook, Vector512<float> offsetTerm, ref Vector512<float> nestedTerm, long block, ref long nested, ref int inNested)
        {
            if (AbsmaxCodes == null)
            {
                return codebook * Vector512.Create(Absmax[block]);
            }

            if (inNested == NestedBlockSize)
            {
                inNested = 0;
                nested++;
                nestedTerm = codebook * NestedAbsmax[nested];
            }

            inNested++;
            return Avx512F.FusedMultiplyAdd(nestedTerm, Vector512.Create(NestedMap[AbsmaxCodes[block]]), offsetTerm);
        }

        private readonly void Dot512<TRows>(int j, float* x, int ldx, float* y, int ldy)
            where TRows : struct, IRowCount
        {
            int rows = TRows.Value;
            int k = K, blockSize = BlockSize;
            byte* p = Packed + ((long)j * k / 2);
            long block = (long)j * (k / blockSize); // the fast path has whole blocks per row
            long nested = Math.DivRem(block, NestedBlockSize, out long remainder);
            int inNested = (int)remainder;
            float* x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx; // rows past TRows.Value are never read
            Vector512<float> codebook = Vector512.Load(Codebook);
            Vector512<float> offsetTerm = codebook * Offset;
            Vector512<float> nestedTerm = AbsmaxCodes == null ? default : codebook * NestedAbsmax[nested];
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
            if (rows == 1 && blockSize == 64 && (k / 64) % 2 == 0)
            {
                // bitsandbytes' block of 64 at decode: two blocks per step, eight independent lookups and FMAs.
                for (int start = 0; start < k; start += 128, block += 2)
                {
                    byte* q = p + (start >> 1);
                    float* xs = x + start;
                    StreamPrefetch.Ahead(q);
                    Vector512<float> table0 = BlockTable(codebook, offsetTerm, ref nestedTerm, block, ref nested, ref inNested);
                    Vector512<float> table1 = BlockTable(codebook, offsetTerm, ref nestedTerm, block + 1, ref nested, ref inNested);
                    Vector512<int> c0 = Avx512F.ConvertToVector512Int32(Vector128.Load(q));
                    Vector512<int> c1 = Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16));
                    Vector512<int> c2 = Avx512F.ConvertToVector512Int32(Vector128.Load(q + 32));
                    Vector512<int> c3 = Avx512F.ConvertToVector512Int32(Vector128.Load(q + 48));
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs), Avx512F.PermuteVar16x32(table0, Vector512.ShiftRightLogical(c0, 4)), a0);
                    b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 16), Avx512F.PermuteVar16x32(table0, c0), b0);
                    a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 32), Avx512F.PermuteVar16x32(table0, Vector512.ShiftRightLogical(c1, 4)), a1);
                    b1 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 48), Avx512F.PermuteVar16x32(table0, c1), b1);
                    a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 64), Avx512F.PermuteVar16x32(table1, Vector512.ShiftRightLogical(c2, 4)), a2);
                    b2 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 80), Avx512F.PermuteVar16x32(table1, c2), b2);
                    a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 96), Avx512F.PermuteVar16x32(table1, Vector512.ShiftRightLogical(c3, 4)), a3);
                    b3 = Avx512F.FusedMultiplyAdd(Vector512.Load(xs + 112), Avx512F.PermuteVar16x32(table1, c3), b3);
                }

                y[0] = Vector512.Sum(((a0 + b0) + (a1 + b1)) + ((a2 + b2) + (a3 + b3)));
                return;
            }

            if (rows == 1 && blockSize % 64 == 0)
            {
                // Decode (m = 1): four independent FMA chains over 64 inputs per step, so the FMA latency
                // never waits on itself; vpermps reads only the low four bits of each lane, so the low
                // nibble needs no mask.
                for (int start = 0; start < k; start += blockSize, block++)
                {
                    Vector512<float> table = BlockTable(codebook, offsetTerm, ref nestedTerm, block, ref nested, ref inNested);
                    for (nint i = start; i < start + blockSize; i += 64)
                    {
                        StreamPrefetch.Ahead(p + (i >> 1));
                        Vector512<int> first = Avx512F.ConvertToVector512Int32(Vector128.Load(p + (i >> 1)));
                        Vector512<int> second = Avx512F.ConvertToVector512Int32(Vector128.Load(p + (i >> 1) + 16));
                        a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i), Avx512F.PermuteVar16x32(table, Vector512.ShiftRightLogical(first, 4)), a0);
                        b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 16), Avx512F.PermuteVar16x32(table, first), b0);
                        a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 32), Avx512F.PermuteVar16x32(table, Vector512.ShiftRightLogical(second, 4)), a1);
                        b1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 48), Avx512F.PermuteVar16x32(table, second), b1);
                    }
                }

                y[0] = Vector512.Sum((a0 + b0) + (a1 + b1));
                return;
            }

            for (int start = 0; start < k; start += blockSize, block++)
            {
                StreamPrefetch.Ahead(p + (start >> 1));
                Vector512<float> table = BlockTable(codebook, offsetTerm, ref nestedTerm, block, ref nested, ref inNested);
                for (nint i = start; i < start + blockSize; i += 32)
                {
                    Vector512<int> bytes = Avx512F.ConvertToVector512Int32(Vector128.Load(p + (i >> 1)));
                    Vector512<float> even = Avx512F.PermuteVar16x32(table, Vector512.ShiftRightLogical(bytes, 4));
                    Vector512<float> odd = Avx512F.PermuteVar16x32(table, bytes & Vector512.Create(0xF));
                    a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i), even, a0);
                    b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(x + i + 16), odd, b0);
                    if (rows > 1)
                    {
                        a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x1 + i), even, a1);
                        b1 = Avx512F.FusedMultiplyAdd(Vector512.Load(x1 + i + 16), odd, b1);
                    }

                    if (rows > 2)
                    {
                        a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x2 + i), even, a2);
                        b2 = Avx512F.FusedMultiplyAdd(Vector512.Load(x2 + i + 16), odd, b2);
                    }

                    if (rows > 3)
                    {
                        a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x3 + i), even, a3);
                        b3 = Avx512F.FusedMultiplyAdd(Vector512.Load(x3 + i + 16), odd, b3);
                    }
                }
            }

            y[0] = Vector512.Sum(a0 + b0);
            if (rows > 1)
            {
                y[ldy] = Vector512.Sum(a1 + b1);
            }

            if (rows > 2)
            {
                y[2 * ldy] = Vector512.Sum(a2 + b2);
            }

            if (rows > 3)
            {
                y[3 * ldy] = Vector512.Sum(a3 + b3);
            }
        }

        private readonly void Dot256<TRows>(int j, float* x, int ldx, float* y, int ldy)
            where TRows : struct, IRowCount
        {
            int rows = TRows.Value;
            int k = K, blockSize = BlockSize;
            byte* p = Packed + ((long)j * k / 2);
            long block = (long)j * k / blockSize;
            long nested = block / NestedBlockSize;
            int inNested = (int)(block % NestedBlockSize);
            float* x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
            Vector256<float> lowCodes = Vector256.Load(Codebook);
            Vector256<float> highCodes = Vector256.Load(Codebook + 8);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int start = 0; start < k; start += blockSize, block++)
            {
                StreamPrefetch.Ahead(p + (start >> 1));
                float absmax = BlockAbsmax(block, ref nested, ref inNested);
                Vector256<float> low = lowCodes * absmax;
                Vector256<float> high = highCodes * absmax;
                for (nint i = start; i < start + blockSize; i += 16)
                {
                    Vector256<int> bytes = Avx2.ConvertToVector256Int32(p + (i >> 1));
                    Vector256<float> even = Lookup(low, high, Vector256.ShiftRightLogical(bytes, 4));
                    Vector256<float> odd = Lookup(low, high, bytes & Vector256.Create(0xF));
                    a0 = Fma.MultiplyAdd(Vector256.Load(x + i), even, Fma.MultiplyAdd(Vector256.Load(x + i + 8), odd, a0));
                    if (rows > 1)
                    {
                        a1 = Fma.MultiplyAdd(Vector256.Load(x1 + i), even, Fma.MultiplyAdd(Vector256.Load(x1 + i + 8), odd, a1));
                    }

                    if (rows > 2)
                    {
                        a2 = Fma.MultiplyAdd(Vector256.Load(x2 + i), even, Fma.MultiplyAdd(Vector256.Load(x2 + i + 8), odd, a2));
                    }

                    if (rows > 3)
                    {
                        a3 = Fma.MultiplyAdd(Vector256.Load(x3 + i), even, Fma.MultiplyAdd(Vector256.Load(x3 + i + 8), odd, a3));
                    }
                }
            }

            y[0] = Vector256.Sum(a0);
            if (rows > 1)
            {
                y[ldy] = Vector256.Sum(a1);
            }

            if (rows > 2)
            {
                y[2 * ldy] = Vector256.Sum(a2);
            }

            if (rows > 3)
            {
                y[3 * ldy] = Vector256.Sum(a3);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Lookup(Vector256<float> low, Vector256<float> high, Vector256<int> codes) =>
            Vector256.ConditionalSelect(
                Vector256.GreaterThan(codes, Vector256.Create(7)).AsSingle(),
                Avx2.PermuteVar8x32(high, codes),
                Avx2.PermuteVar8x32(low, codes));

        // Any shape: element e = j * K + i of the flattened matrix, absmax looked up when the block changes.
        private readonly void DotScalar<TRows>(int j, float* x, int ldx, float* y, int ldy)
            where TRows : struct, IRowCount
        {
            int rows = TRows.Value;
            long first = (long)j * K;
            float* x1 = x + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            long currentBlock = -1;
            float absmax = 0f;
            for (int i = 0; i < K; i++)
            {
                long e = first + i;
                long block = e / BlockSize;
                if (block != currentBlock)
                {
                    currentBlock = block;
                    absmax = AbsmaxCodes == null
                        ? Absmax[block]
                        : (NestedMap[AbsmaxCodes[block]] * NestedAbsmax[block / NestedBlockSize]) + Offset;
                }

                byte packed = Packed[e >> 1];
                float w = Codebook[(e & 1) == 0 ? packed >> 4 : packed & 0xF] * absmax;
                s0 += x[i] * w;
                if (rows > 1)
                {
                    s1 += x1[i] * w;
                }

                if (rows > 2)
                {
                    s2 += x2[i] * w;
                }

                if (rows > 3)
                {
                    s3 += x3[i] * w;
                }
            }

            y[0] = s0;
            if (rows > 1)
            {
                y[ldy] = s1;
            }

            if (rows > 2)
            {
                y[2 * ldy] = s2;
            }

            if (rows > 3)
            {
                y[3 * ldy] = s3;
            }
        }
    }
}
