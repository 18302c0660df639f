using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// y[m x n] = x[m x k] * W^T, with W row-major [n x k] (Hugging Face's [out, in] layout) stored as
/// fp32, fp16 or bf16 and x, y fp32. Accumulates in fp32.
/// <para>
/// One kernel serves decode (m = 1, a GEMV bound by memory bandwidth) and prefill (a GEMM bound by
/// FMA throughput): a register tile of 4 x rows by 4 W rows keeps 16 vector accumulators, so every
/// 32 weights loaded feed up to 4 x rows. Rows of y are blocked by <see cref="RowBlock"/> and k by
/// <see cref="DepthBlock"/> so that the x panel stays in L2 and a 4-row slice of W in L1 while it is
/// reused; W is streamed once per row block. f16/bf16 weights are converted in registers when one x
/// tile uses them (decode), or once per (4 W rows x DepthBlock) slice into an fp32 stack buffer that
/// all x tiles of the row block reuse (prefill); W is never converted to fp32 as a whole. Threads
/// split (row block, 4 W rows) units, and each output's arithmetic is fixed by the shape, so the
/// result does not depend on the thread count.
/// </para>
/// <para>y must not overlap x or W. The pointer entries trust the caller for buffer sizes; the span
/// entries check them.</para>
/// </summary>
public static unsafe class MatMul
{
    /// <summary>x rows per block: 64 rows x 1024 floats = 256 KiB, half of a Zen 4 core's L2.</summary>
    internal const int RowBlock = 64;

    /// <summary>k per block (a multiple of 32); only used when more than one x row tile shares W.</summary>
    internal const int DepthBlock = 1024;

    private const int WeightRowsPerTile = 4;

    // Below this many multiply-adds, waking the worker threads costs more than the work.
    private const long InlineWork = 1 << 16;

    public static void F32(float* x, float* w, float* y, int m, int n, int k)
    {
        ValidatePointers(x, w, y, m, n, k);
        Run<F32Weights, float>(x, w, y, m, n, k);
    }

    public static void F16(float* x, Half* w, float* y, int m, int n, int k)
    {
        ValidatePointers(x, w, y, m, n, k);
        Run<F16Weights, Half>(x, w, y, m, n, k);
    }

    /// <summary>W holds raw bfloat16 bits.</summary>
    public static void BF16(float* x, ushort* w, float* y, int m, int n, int k)
    {
        ValidatePointers(x, w, y, m, n, k);
        Run<BF16Weights, ushort>(x, w, y, m, n, k);
    }

    public static void F32(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int n, int k)
    {
        ValidateSpans(x.Length, w.Length, y.Length, m, n, k);
        fixed (float* px = x, pw = w, py = y)
        {
            Run<F32Weights, float>(px, pw, py, m, n, k);
        }
    }

    public static void F16(ReadOnlySpan<float> x, ReadOnlySpan<Half> w, Span<float> y, int m, int n, int k)
    {
        ValidateSpans(x.Length, w.Length, y.Length, m, n, k);
        fixed (float* px = x, py = y)
        fixed (Half* pw = w)
        {
            Run<F16Weights, Half>(px, pw, py, m, n, k);
        }
    }

    public static void BF16(ReadOnlySpan<float> x, ReadOnlySpan<ushort> w, Span<float> y, int m, int n, int k)
    {
        ValidateSpans(x.Length, w.Length, y.Length, m, n, k);
        fixed (float* px = x, py = y)
        fixed (ushort* pw = w)
        {
            Run<BF16Weights, ushort>(px, pw, py, m, n, k);
        }
    }

    public static void F32Reference(float* x, float* w, float* y, int m, int n, int k)
    {
        ValidatePointers(x, w, y, m, n, k);
        Reference<F32Weights, float>(x, w, y, m, n, k);
    }

    public static void F16Reference(float* x, Half* w, float* y, int m, int n, int k)
    {
        ValidatePointers(x, w, y, m, n, k);
        Reference<F16Weights, Half>(x, w, y, m, n, k);
    }

    public static void BF16Reference(float* x, ushort* w, float* y, int m, int n, int k)
    {
        ValidatePointers(x, w, y, m, n, k);
        Reference<BF16Weights, ushort>(x, w, y, m, n, k);
    }

    private static void ValidatePointers<TWeight>(float* x, TWeight* w, float* y, int m, int n, int k)
        where TWeight : unmanaged
    {
        ValidateShape(m, n, k);
        if (x == null && m > 0 && k > 0)
        {
            throw new ArgumentNullException(nameof(x), $"x is null but must hold m x k = {m} x {k} floats.");
        }

        if (w == null && n > 0 && k > 0)
        {
            throw new ArgumentNullException(nameof(w), $"w is null but must hold n x k = {n} x {k} weights.");
        }

        if (y == null && m > 0 && n > 0)
        {
            throw new ArgumentNullException(nameof(y), $"y is null but must hold m x n = {m} x {n} floats.");
        }
    }

    private static void ValidateSpans(int xLength, int wLength, int yLength, int m, int n, int k)
    {
        ValidateShape(m, n, k);
        LengthChecks.AtLeast(xLength, (long)m * k, "x", $"m x k = {m} x {k}");
        LengthChecks.Equal(wLength, checked(n * k), "w", $"W is n x k = {n} x {k}, row-major [out, in]");
        LengthChecks.AtLeast(yLength, (long)m * n, "y", $"m x n = {m} x {n}");
    }

    private static void ValidateShape(int m, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
    }

    private static void Run<TFormat, TWeight>(float* x, TWeight* w, float* y, int m, int n, int k)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            new Span<float>(y, checked(m * n)).Clear();
            return;
        }

        if (!Vector256.IsHardwareAccelerated)
        {
            Reference<TFormat, TWeight>(x, w, y, m, n, k);
            return;
        }

        var job = new TileJob<TFormat, TWeight>(x, w, y, m, n, k);
        if ((long)m * n * k < InlineWork)
        {
            job.Run(0, job.Units);
        }
        else
        {
            KernelThreads.For(job.Units, job);
        }
    }

    private static void Reference<TFormat, TWeight>(float* x, TWeight* w, float* y, int m, int n, int k)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        for (int i = 0; i < m; i++)
        {
            float* xi = x + ((long)i * k);
            for (int j = 0; j < n; j++)
            {
                TWeight* wj = w + ((long)j * k);
                float sum = 0f;
                for (int kk = 0; kk < k; kk++)
                {
                    sum += xi[kk] * TFormat.ToSingle(wj + kk);
                }

                y[((long)i * n) + j] = sum;
            }
        }
    }

    /// <summary>One unit = up to <see cref="RowBlock"/> rows of x times 4 rows of W.</summary>
    private readonly struct TileJob<TFormat, TWeight> : IRangeBody
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
    {
        private readonly float* x;
        private readonly TWeight* w;
        private readonly float* y;
        private readonly int m;
        private readonly int n;
        private readonly int k;
        private readonly int weightTiles;
        private readonly int depthBlock;

        public TileJob(float* x, TWeight* w, float* y, int m, int n, int k)
        {
            this.x = x;
            this.w = w;
            this.y = y;
            this.m = m;
            this.n = n;
            this.k = k;
            weightTiles = (n + WeightRowsPerTile - 1) / WeightRowsPerTile;
            // With a single tile of x rows nothing is reused across W tiles: stream whole rows.
            depthBlock = m <= 4 ? k : DepthBlock;
            Units = checked(((m + RowBlock - 1) / RowBlock) * weightTiles);
        }

        public int Units { get; }

        public void Run(int start, int end)
        {
            int unit = start;
            while (unit < end)
            {
                int rowBlock = unit / weightTiles;
                int firstTile = unit - (rowBlock * weightTiles);
                int lastTile = Math.Min(weightTiles, firstTile + (end - unit));
                int i0 = rowBlock * RowBlock;
                Block(i0, Math.Min(m, i0 + RowBlock), firstTile * WeightRowsPerTile, Math.Min(n, lastTile * WeightRowsPerTile));
                unit += lastTile - firstTile;
            }
        }

        private void Block(int i0, int i1, int j0, int j1)
        {
            // With several x row tiles per W tile, f16/bf16 rows are converted once into an fp32
            // slice (4 rows x depthBlock, on the stack) that every x tile of the block then reuses.
            bool convert = typeof(TWeight) != typeof(float) && i1 - i0 > 4;
            float* slice = stackalloc float[convert ? WeightRowsPerTile * depthBlock : 0];
            for (int k0 = 0; k0 < k; k0 += depthBlock)
            {
                int k1 = Math.Min(k, k0 + depthBlock);
                bool accumulate = k0 > 0;
                for (int j = j0; j < j1; j += WeightRowsPerTile)
                {
                    int nr = Math.Min(WeightRowsPerTile, j1 - j);
                    TWeight* wj = w + ((long)j * k);
                    if (convert)
                    {
                        int depth = k1 - k0;
                        for (int r = 0; r < nr; r++)
                        {
                            ToSingle(wj + ((long)r * k) + k0, slice + (r * depth), depth);
                        }

                        // Index the slice with the same kk as x: row r, column kk is slice[r * depth + kk - k0].
                        Rows<F32Weights, float>(i0, i1, slice - k0, depth, j, k0, k1, nr, accumulate);
                    }
                    else
                    {
                        Rows<TFormat, TWeight>(i0, i1, wj, k, j, k0, k1, nr, accumulate);
                    }
                }
            }
        }

        private void Rows<TF, TW>(int i0, int i1, TW* wj, int ldw, int j, int k0, int k1, int nr, bool accumulate)
            where TF : struct, IWeightFormat<TW>
            where TW : unmanaged
        {
            int i = i0;
            for (; i <= i1 - 4; i += 4)
            {
                Tile<TF, TW, FourRows>(i, wj, ldw, j, k0, k1, nr, accumulate);
            }

            switch (i1 - i)
            {
                case 1:
                    Tile<TF, TW, OneRow>(i, wj, ldw, j, k0, k1, nr, accumulate);
                    break;
                case 2:
                    Tile<TF, TW, TwoRows>(i, wj, ldw, j, k0, k1, nr, accumulate);
                    break;
                case 3:
                    Tile<TF, TW, ThreeRows>(i, wj, ldw, j, k0, k1, nr, accumulate);
                    break;
            }
        }

        private static void ToSingle(TWeight* source, float* destination, int count)
        {
            int kk = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; kk <= count - 32; kk += 32)
                {
                    TFormat.Load32(source + kk, out Vector512<float> lo, out Vector512<float> hi);
                    lo.Store(destination + kk);
                    hi.Store(destination + kk + 16);
                }
            }
            else
            {
                for (; kk <= count - 16; kk += 16)
                {
                    TFormat.Load16(source + kk, out Vector256<float> lo, out Vector256<float> hi);
                    lo.Store(destination + kk);
                    hi.Store(destination + kk + 8);
                }
            }

            for (; kk < count; kk++)
            {
                destination[kk] = TFormat.ToSingle(source + kk);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Tile<TF, TW, TRows>(int i, TW* wj, int ldw, int j, int k0, int k1, int nr, bool accumulate)
            where TF : struct, IWeightFormat<TW>
            where TW : unmanaged
            where TRows : struct, IRowCount
        {
            float* xi = x + ((long)i * k);
            float* yij = y + ((long)i * n) + j;
            if (Vector512.IsHardwareAccelerated)
            {
                Tile512<TF, TW, TRows>(xi, wj, ldw, yij, k, n, k0, k1, nr, accumulate);
            }
            else
            {
                Tile256<TF, TW, TRows>(xi, wj, ldw, yij, k, n, k0, k1, nr, accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* y, int nr, bool accumulate, float s0, float s1, float s2, float s3)
    {
        if (accumulate)
        {
            y[0] += s0;
            if (nr > 1)
            {
                y[1] += s1;
            }

            if (nr > 2)
            {
                y[2] += s2;
            }

            if (nr > 3)
            {
                y[3] += s3;
            }
        }
        else
        {
            y[0] = s0;
            if (nr > 1)
            {
                y[1] = s1;
            }

            if (nr > 2)
            {
                y[2] = s2;
            }

            if (nr > 3)
            {
                y[3] = s3;
            }
        }
    }

    // The four weight rows' next lines, StreamPrefetch.Distance ahead (32 weights: 64 bytes of 16-bit, 128 of fp32).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRows<TWeight>(TWeight* w0, TWeight* w1, TWeight* w2, TWeight* w3)
        where TWeight : unmanaged
    {
        StreamPrefetch.Ahead(w0);
        StreamPrefetch.Ahead(w1);
        StreamPrefetch.Ahead(w2);
        StreamPrefetch.Ahead(w3);
        if (sizeof(TWeight) == 4)
        {
            StreamPrefetch.Ahead((byte*)w0 + 64);
            StreamPrefetch.Ahead((byte*)w1 + 64);
            StreamPrefetch.Ahead((byte*)w2 + 64);
            StreamPrefetch.Ahead((byte*)w3 + 64);
        }
    }

    // Tile512 and Tile256 are the same register tile at two vector widths: 4 x rows (TRows of them
    // live) by 4 W rows, 32 (16) weights per step, an fp32 scalar loop for the k % 32 (16) tail.
    // Tile512 takes 16-bit weights as even/odd lanes and permutes x to match (see EvenOddLanes).
    // The bodies are written out (generated once, then kept by hand) so the JIT sees plain locals.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512<TFormat, TWeight, TRows>(
        float* x, TWeight* w, int ldw, float* y, int k, int n, int kBegin, int kEnd, int nr, bool accumulate)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
        where TRows : struct, IRowCount
    {
        // Rows of W past nr alias row 0: computed and dropped, so the loop has no branches.
        TWeight* w0 = w;
        TWeight* w1 = nr > 1 ? w + ldw : w;
        TWeight* w2 = nr > 2 ? w + (2 * ldw) : w;
        TWeight* w3 = nr > 3 ? w + (3 * ldw) : w;
        float* x0 = x + (0 * (long)k);
        float* x1 = x + (1 * (long)k);
        float* x2 = x + (2 * (long)k);
        float* x3 = x + (3 * (long)k);
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        // 16-bit weights split into even/odd lanes more cheaply than they widen; x follows suit.
        bool evenOdd = TFormat.PrefersEvenOdd && EvenOddLanes.IsSupported;
        int kk = kBegin;
        for (; kk <= kEnd - 32; kk += 32)
        {
            if (TRows.Value < 4)
            {
                // Few activation rows: the weights stream from memory once (decode). Larger tiles reuse
                // cached weights, where prefetching past the k block only costs.
                PrefetchRows(w0 + kk, w1 + kk, w2 + kk, w3 + kk);
            }

            Vector512<float> lo0, hi0, lo1, hi1, lo2, hi2, lo3, hi3;
            if (evenOdd)
            {
                TFormat.LoadEvenOdd32(w0 + kk, out lo0, out hi0);
                TFormat.LoadEvenOdd32(w1 + kk, out lo1, out hi1);
                TFormat.LoadEvenOdd32(w2 + kk, out lo2, out hi2);
                TFormat.LoadEvenOdd32(w3 + kk, out lo3, out hi3);
            }
            else
            {
                TFormat.Load32(w0 + kk, out lo0, out hi0);
                TFormat.Load32(w1 + kk, out lo1, out hi1);
                TFormat.Load32(w2 + kk, out lo2, out hi2);
                TFormat.Load32(w3 + kk, out lo3, out hi3);
            }

            Vector512<float> xl0 = Vector512.Load(x0 + kk);
            Vector512<float> xh0 = Vector512.Load(x0 + kk + 16);
            if (evenOdd)
            {
                EvenOddLanes.Split(xl0, xh0, out xl0, out xh0);
            }

            c00 = Vector512.FusedMultiplyAdd(xh0, hi0, Vector512.FusedMultiplyAdd(xl0, lo0, c00));
            c01 = Vector512.FusedMultiplyAdd(xh0, hi1, Vector512.FusedMultiplyAdd(xl0, lo1, c01));
            c02 = Vector512.FusedMultiplyAdd(xh0, hi2, Vector512.FusedMultiplyAdd(xl0, lo2, c02));
            c03 = Vector512.FusedMultiplyAdd(xh0, hi3, Vector512.FusedMultiplyAdd(xl0, lo3, c03));

            if (TRows.Value > 1)
            {
                Vector512<float> xl1 = Vector512.Load(x1 + kk);
                Vector512<float> xh1 = Vector512.Load(x1 + kk + 16);
                if (evenOdd)
                {
                    EvenOddLanes.Split(xl1, xh1, out xl1, out xh1);
                }

                c10 = Vector512.FusedMultiplyAdd(xh1, hi0, Vector512.FusedMultiplyAdd(xl1, lo0, c10));
                c11 = Vector512.FusedMultiplyAdd(xh1, hi1, Vector512.FusedMultiplyAdd(xl1, lo1, c11));
                c12 = Vector512.FusedMultiplyAdd(xh1, hi2, Vector512.FusedMultiplyAdd(xl1, lo2, c12));
                c13 = Vector512.FusedMultiplyAdd(xh1, hi3, Vector512.FusedMultiplyAdd(xl1, lo3, c13));
            }

            if (TRows.Value > 2)
            {
                Vector512<float> xl2 = Vector512.Load(x2 + kk);
                Vector512<float> xh2 = Vector512.Load(x2 + kk + 16);
                if (evenOdd)
                {
                    EvenOddLanes.Split(xl2, xh2, out xl2, out xh2);
                }

                c20 = Vector512.FusedMultiplyAdd(xh2, hi0, Vector512.FusedMultiplyAdd(xl2, lo0, c20));
                c21 = Vector512.FusedMultiplyAdd(xh2, hi1, Vector512.FusedMultiplyAdd(xl2, lo1, c21));
                c22 = Vector512.FusedMultiplyAdd(xh2, hi2, Vector512.FusedMultiplyAdd(xl2, lo2, c22));
                c23 = Vector512.FusedMultiplyAdd(xh2, hi3, Vector512.FusedMultiplyAdd(xl2, lo3, c23));
            }

            if (TRows.Value > 3)
            {
                Vector512<float> xl3 = Vector512.Load(x3 + kk);
                Vector512<float> xh3 = Vector512.Load(x3 + kk + 16);
                if (evenOdd)
                {
                    EvenOddLanes.Split(xl3, xh3, out xl3, out xh3);
                }

                c30 = Vector512.FusedMultiplyAdd(xh3, hi0, Vector512.FusedMultiplyAdd(xl3, lo0, c30));
                c31 = Vector512.FusedMultiplyAdd(xh3, hi1, Vector512.FusedMultiplyAdd(xl3, lo1, c31));
                c32 = Vector512.FusedMultiplyAdd(xh3, hi2, Vector512.FusedMultiplyAdd(xl3, lo2, c32));
                c33 = Vector512.FusedMultiplyAdd(xh3, hi3, Vector512.FusedMultiplyAdd(xl3, lo3, c33));
            }
        }

        float s00 = Vector512.Sum(c00);
        float s01 = Vector512.Sum(c01);
        float s02 = Vector512.Sum(c02);
        float s03 = Vector512.Sum(c03);
        float s10 = TRows.Value > 1 ? Vector512.Sum(c10) : 0f;
        float s11 = TRows.Value > 1 ? Vector512.Sum(c11) : 0f;
        float s12 = TRows.Value > 1 ? Vector512.Sum(c12) : 0f;
        float s13 = TRows.Value > 1 ? Vector512.Sum(c13) : 0f;
        float s20 = TRows.Value > 2 ? Vector512.Sum(c20) : 0f;
        float s21 = TRows.Value > 2 ? Vector512.Sum(c21) : 0f;
        float s22 = TRows.Value > 2 ? Vector512.Sum(c22) : 0f;
        float s23 = TRows.Value > 2 ? Vector512.Sum(c23) : 0f;
        float s30 = TRows.Value > 3 ? Vector512.Sum(c30) : 0f;
        float s31 = TRows.Value > 3 ? Vector512.Sum(c31) : 0f;
        float s32 = TRows.Value > 3 ? Vector512.Sum(c32) : 0f;
        float s33 = TRows.Value > 3 ? Vector512.Sum(c33) : 0f;

        for (; kk < kEnd; kk++)
        {
            float v0 = TFormat.ToSingle(w0 + kk);
            float v1 = TFormat.ToSingle(w1 + kk);
            float v2 = TFormat.ToSingle(w2 + kk);
            float v3 = TFormat.ToSingle(w3 + kk);
            float t0 = x0[kk];
            s00 = MathF.FusedMultiplyAdd(t0, v0, s00);
            s01 = MathF.FusedMultiplyAdd(t0, v1, s01);
            s02 = MathF.FusedMultiplyAdd(t0, v2, s02);
            s03 = MathF.FusedMultiplyAdd(t0, v3, s03);
            if (TRows.Value > 1)
            {
                float t1 = x1[kk];
                s10 = MathF.FusedMultiplyAdd(t1, v0, s10);
                s11 = MathF.FusedMultiplyAdd(t1, v1, s11);
                s12 = MathF.FusedMultiplyAdd(t1, v2, s12);
                s13 = MathF.FusedMultiplyAdd(t1, v3, s13);
            }
            if (TRows.Value > 2)
            {
                float t2 = x2[kk];
                s20 = MathF.FusedMultiplyAdd(t2, v0, s20);
                s21 = MathF.FusedMultiplyAdd(t2, v1, s21);
                s22 = MathF.FusedMultiplyAdd(t2, v2, s22);
                s23 = MathF.FusedMultiplyAdd(t2, v3, s23);
            }
            if (TRows.Value > 3)
            {
                float t3 = x3[kk];
                s30 = MathF.FusedMultiplyAdd(t3, v0, s30);
                s31 = MathF.FusedMultiplyAdd(t3, v1, s31);
                s32 = MathF.FusedMultiplyAdd(t3, v2, s32);
                s33 = MathF.FusedMultiplyAdd(t3, v3, s33);
            }
        }

        StoreRow(y + (0 * (long)n), nr, accumulate, s00, s01, s02, s03);

        if (TRows.Value > 1)
        {
            StoreRow(y + (1 * (long)n), nr, accumulate, s10, s11, s12, s13);
        }

        if (TRows.Value > 2)
        {
            StoreRow(y + (2 * (long)n), nr, accumulate, s20, s21, s22, s23);
        }

        if (TRows.Value > 3)
        {
            StoreRow(y + (3 * (long)n), nr, accumulate, s30, s31, s32, s33);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256<TFormat, TWeight, TRows>(
        float* x, TWeight* w, int ldw, float* y, int k, int n, int kBegin, int kEnd, int nr, bool accumulate)
        where TFormat : struct, IWeightFormat<TWeight>
        where TWeight : unmanaged
        where TRows : struct, IRowCount
    {
        // Rows of W past nr alias row 0: computed and dropped, so the loop has no branches.
        TWeight* w0 = w;
        TWeight* w1 = nr > 1 ? w + ldw : w;
        TWeight* w2 = nr > 2 ? w + (2 * ldw) : w;
        TWeight* w3 = nr > 3 ? w + (3 * ldw) : w;
        float* x0 = x + (0 * (long)k);
        float* x1 = x + (1 * (long)k);
        float* x2 = x + (2 * (long)k);
        float* x3 = x + (3 * (long)k);
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector256<float> c30 = default, c31 = default, c32 = default, c33 = default;
        int kk = kBegin;
        for (; kk <= kEnd - 16; kk += 16)
        {
            TFormat.Load16(w0 + kk, out Vector256<float> lo0, out Vector256<float> hi0);
            TFormat.Load16(w1 + kk, out Vector256<float> lo1, out Vector256<float> hi1);
            TFormat.Load16(w2 + kk, out Vector256<float> lo2, out Vector256<float> hi2);
            TFormat.Load16(w3 + kk, out Vector256<float> lo3, out Vector256<float> hi3);
            Vector256<float> xl0 = Vector256.Load(x0 + kk);
            Vector256<float> xh0 = Vector256.Load(x0 + kk + 8);
            c00 = Vector256.FusedMultiplyAdd(xh0, hi0, Vector256.FusedMultiplyAdd(xl0, lo0, c00));
            c01 = Vector256.FusedMultiplyAdd(xh0, hi1, Vector256.FusedMultiplyAdd(xl0, lo1, c01));
            c02 = Vector256.FusedMultiplyAdd(xh0, hi2, Vector256.FusedMultiplyAdd(xl0, lo2, c02));
            c03 = Vector256.FusedMultiplyAdd(xh0, hi3, Vector256.FusedMultiplyAdd(xl0, lo3, c03));

            if (TRows.Value > 1)
            {
                Vector256<float> xl1 = Vector256.Load(x1 + kk);
                Vector256<float> xh1 = Vector256.Load(x1 + kk + 8);
                c10 = Vector256.FusedMultiplyAdd(xh1, hi0, Vector256.FusedMultiplyAdd(xl1, lo0, c10));
                c11 = Vector256.FusedMultiplyAdd(xh1, hi1, Vector256.FusedMultiplyAdd(xl1, lo1, c11));
                c12 = Vector256.FusedMultiplyAdd(xh1, hi2, Vector256.FusedMultiplyAdd(xl1, lo2, c12));
                c13 = Vector256.FusedMultiplyAdd(xh1, hi3, Vector256.FusedMultiplyAdd(xl1, lo3, c13));
            }

            if (TRows.Value > 2)
            {
                Vector256<float> xl2 = Vector256.Load(x2 + kk);
                Vector256<float> xh2 = Vector256.Load(x2 + kk + 8);
                c20 = Vector256.FusedMultiplyAdd(xh2, hi0, Vector256.FusedMultiplyAdd(xl2, lo0, c20));
                c21 = Vector256.FusedMultiplyAdd(xh2, hi1, Vector256.FusedMultiplyAdd(xl2, lo1, c21));
                c22 = Vector256.FusedMultiplyAdd(xh2, hi2, Vector256.FusedMultiplyAdd(xl2, lo2, c22));
                c23 = Vector256.FusedMultiplyAdd(xh2, hi3, Vector256.FusedMultiplyAdd(xl2, lo3, c23));
            }

            if (TRows.Value > 3)
            {
                Vector256<float> xl3 = Vector256.Load(x3 + kk);
                Vector256<float> xh3 = Vector256.Load(x3 + kk + 8);
                c30 = Vector256.FusedMultiplyAdd(xh3, hi0, Vector256.FusedMultiplyAdd(xl3, lo0, c30));
                c31 = Vector256.FusedMultiplyAdd(xh3, hi1, Vector256.FusedMultiplyAdd(xl3, lo1, c31));
                c32 = Vector256.FusedMultiplyAdd(xh3, hi2, Vector256.FusedMultiplyAdd(xl3, lo2, c32));
                c33 = Vector256.FusedMultiplyAdd(xh3, hi3, Vector256.FusedMultiplyAdd(xl3, lo3, c33));
            }
        }

        float s00 = Vector256.Sum(c00);
        float s01 = Vector256.Sum(c01);
        float s02 = Vector256.Sum(c02);
        float s03 = Vector256.Sum(c03);
        float s10 = TRows.Value > 1 ? Vector256.Sum(c10) : 0f;
        float s11 = TRows.Value > 1 ? Vector256.Sum(c11) : 0f;
        float s12 = TRows.Value > 1 ? Vector256.Sum(c12) : 0f;
        float s13 = TRows.Value > 1 ? Vector256.Sum(c13) : 0f;
        float s20 = TRows.Value > 2 ? Vector256.Sum(c20) : 0f;
        float s21 = TRows.Value > 2 ? Vector256.Sum(c21) : 0f;
        float s22 = TRows.Value > 2 ? Vector256.Sum(c22) : 0f;
        float s23 = TRows.Value > 2 ? Vector256.Sum(c23) : 0f;
        float s30 = TRows.Value > 3 ? Vector256.Sum(c30) : 0f;
        float s31 = TRows.Value > 3 ? Vector256.Sum(c31) : 0f;
        float s32 = TRows.Value > 3 ? Vector256.Sum(c32) : 0f;
        float s33 = TRows.Value > 3 ? Vector256.Sum(c33) : 0f;

        for (; kk < kEnd; kk++)
        {
            float v0 = TFormat.ToSingle(w0 + kk);
            float v1 = TFormat.ToSingle(w1 + kk);
            float v2 = TFormat.ToSingle(w2 + kk);
            float v3 = TFormat.ToSingle(w3 + kk);
            float t0 = x0[kk];
            s00 = MathF.FusedMultiplyAdd(t0, v0, s00);
            s01 = MathF.FusedMultiplyAdd(t0, v1, s01);
            s02 = MathF.FusedMultiplyAdd(t0, v2, s02);
            s03 = MathF.FusedMultiplyAdd(t0, v3, s03);
            if (TRows.Value > 1)
            {
                float t1 = x1[kk];
                s10 = MathF.FusedMultiplyAdd(t1, v0, s10);
                s11 = MathF.FusedMultiplyAdd(t1, v1, s11);
                s12 = MathF.FusedMultiplyAdd(t1, v2, s12);
                s13 = MathF.FusedMultiplyAdd(t1, v3, s13);
            }
            if (TRows.Value > 2)
            {
                float t2 = x2[kk];
                s20 = MathF.FusedMultiplyAdd(t2, v0, s20);
                s21 = MathF.FusedMultiplyAdd(t2, v1, s21);
                s22 = MathF.FusedMultiplyAdd(t2, v2, s22);
                s23 = MathF.FusedMultiplyAdd(t2, v3, s23);
            }
            if (TRows.Value > 3)
            {
                float t3 = x3[kk];
                s30 = MathF.FusedMultiplyAdd(t3, v0, s30);
                s31 = MathF.FusedMultiplyAdd(t3, v1, s31);
                s32 = MathF.FusedMultiplyAdd(t3, v2, s32);
                s33 = MathF.FusedMultiplyAdd(t3, v3, s33);
            }
        }

        StoreRow(y + (0 * (long)n), nr, accumulate, s00, s01, s02, s03);

        if (TRows.Value > 1)
        {
            StoreRow(y + (1 * (long)n), nr, accumulate, s10, s11, s12, s13);
        }

        if (TRows.Value > 2)
        {
            StoreRow(y + (2 * (long)n), nr, accumulate, s20, s21, s22, s23);
        }

        if (TRows.Value > 3)
        {
            StoreRow(y + (3 * (long)n), nr, accumulate, s30, s31, s32, s33);
        }
    }
}
