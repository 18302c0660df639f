using QuantServe.Kernels.Cpu;
using QuantServe.Kernels.Cuda;
using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// Each CUDA kernel against its CPU reference (QuantServe.Kernels.Cpu) on random inputs. Skipped, with the reason,
/// where no device can be opened; bench/gpu/check.sh runs them with QUANTSERVE_REQUIRE_GPU=1 so they cannot skip.
/// </summary>
[Collection(CudaDeviceCollection.Name)]
public sealed unsafe class DeviceKernelTests(CudaDeviceFixture fixture)
{
    [SkippableTheory]
    [InlineData(1, 7)]
    [InlineData(3, 2048)]
    [InlineData(5, 4099)]
    public void RmsNorm_matches_the_cpu_reference(int rows, int n)
    {
        var kernels = fixture.Require();
        var random = new Random(n);
        float[] x = Values(random, rows * n, 2f), weight = Values(random, n, 1f);
        using var dx = kernels.Device.Upload<float>(x);
        using var dw = kernels.Device.Upload<float>(weight);
        using var dy = kernels.Device.Allocate<float>(rows * n);

        kernels.RmsNorm(dx, dw, dy, rows, 1e-6f);
        float[] actual = dy.ToArray();

        var expected = new float[n];
        for (int r = 0; r < rows; r++)
        {
            RmsNorm.ApplyReference(x.AsSpan(r * n, n), weight, 1e-6f, expected);
            for (int i = 0; i < n; i++)
                actual[r * n + i].Should().BeApproximately(expected[i], 2e-5f * (1 + Math.Abs(expected[i])), $"row {r}, element {i}");
        }
    }

    [SkippableFact]
    public void Rope_matches_the_cpu_reference_bit_for_bit()
    {
        var kernels = fixture.Require();
        const int tokens = 5, heads = 6, headDim = 128, maxPosition = 64, half = headDim / 2;
        var random = new Random(3);
        float[] qk = Values(random, tokens * heads * headDim, 3f);
        var cos = new float[maxPosition * half];
        var sin = new float[maxPosition * half];
        for (int p = 0; p < maxPosition; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(10000, 2.0 * i / headDim);
                cos[p * half + i] = (float)Math.Cos(angle);
                sin[p * half + i] = (float)Math.Sin(angle);
            }
        }

        int[] positions = [0, 1, 17, 40, 63];
        using var dqk = kernels.Device.Upload<float>(qk);
        using var dpos = kernels.Device.Upload<int>(positions);
        using var dcos = kernels.Device.Upload<float>(cos);
        using var dsin = kernels.Device.Upload<float>(sin);

        kernels.Rope(dqk, dpos, dcos, dsin, tokens, heads, headDim);
        float[] actual = dqk.ToArray();

        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
                Rope.ApplyReference(qk.AsSpan((t * heads + h) * headDim, headDim), cos.AsSpan(positions[t] * half, half), sin.AsSpan(positions[t] * half, half));
        }

        actual.Should().Equal(qk);
    }

    [SkippableFact]
    public void SwiGlu_separate_and_fused_match_the_cpu_reference()
    {
        var kernels = fixture.Require();
        const int tokens = 3, inter = 1000;
        var random = new Random(5);
        float[] gate = Values(random, tokens * inter, 8f), up = Values(random, tokens * inter, 2f);
        var fused = new float[tokens * 2 * inter];
        for (int t = 0; t < tokens; t++)
        {
            gate.AsSpan(t * inter, inter).CopyTo(fused.AsSpan(t * 2 * inter));
            up.AsSpan(t * inter, inter).CopyTo(fused.AsSpan(t * 2 * inter + inter));
        }

        using var dgate = kernels.Device.Upload<float>(gate);
        using var dup = kernels.Device.Upload<float>(up);
        using var dfused = kernels.Device.Upload<float>(fused);
        using var dy = kernels.Device.Allocate<float>(tokens * inter);
        using var dyFused = kernels.Device.Allocate<float>(tokens * inter);

        kernels.SwiGlu(dgate, dup, dy);
        kernels.SwiGluFused(dfused, dyFused, tokens, inter);

        var expected = new float[tokens * inter];
        SwiGlu.ApplyReference(gate, up, expected);
        foreach (float[] actual in new[] { dy.ToArray(), dyFused.ToArray() })
        {
            for (int i = 0; i < expected.Length; i++)
                actual[i].Should().BeApproximately(expected[i], 1e-6f * (1 + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [SkippableFact]
    public void ArgMax_matches_the_cpu_reference_including_ties_and_nan()
    {
        var kernels = fixture.Require();
        const int vocab = 32000;
        var random = new Random(9);
        float[][] rows =
        [
            Values(random, vocab, 10f),
            Enumerable.Repeat(1f, vocab).ToArray(),                       // all tied: the first
            [.. Values(random, vocab - 1, 10f), 100f],                    // the last
            Enumerable.Repeat(float.NegativeInfinity, vocab).ToArray(),   // nothing finite: index 0
            Values(random, vocab, 10f),
        ];
        rows[4][777] = float.NaN;
        rows[4][20000] = float.NaN;
        rows[0][31999] = rows[0].Max();                                   // a tie with an earlier maximum
        using var logits = kernels.Device.Upload<float>(rows.SelectMany(r => r).ToArray());
        using var output = kernels.Device.Allocate<int>(rows.Length);

        kernels.ArgMax(logits, rows.Length, output);

        output.ToArray().Should().Equal(rows.Select(r => VectorOps.ArgMaxReference(r)));
    }

    [SkippableTheory]
    [InlineData(64, false)]
    [InlineData(128, false)]
    [InlineData(128, true)]
    [InlineData(256, true)]
    public void PagedAttention_decode_and_prefill_match_the_cpu_reference(int headDim, bool prefill)
    {
        var kernels = fixture.Require();
        const int heads = 8, kvHeads = 2, blockSize = 16, blocks = 40;
        var random = new Random(headDim);
        // Prefill: sequence A's tokens 0..12 then sequence B's 20..25, so one tile of 8 shares a table and one mixes both.
        // Decode: one token per sequence at long positions, one with a sliding window.
        int[] positions = prefill ? [.. Enumerable.Range(0, 13), .. Enumerable.Range(20, 6)] : [100, 250, 37];
        int[] sequence = prefill ? [.. Enumerable.Repeat(0, 13), .. Enumerable.Repeat(1, 6)] : [0, 1, 2];
        int[] windowStarts = positions.Select((p, i) => i % 3 == 2 ? Math.Max(0, p - 20) : 0).ToArray();
        int tablePerSequence = 17;
        int[] blockTables = Enumerable.Range(0, 3 * tablePerSequence).Select(_ => random.Next(blocks)).ToArray();
        int[] tableStarts = sequence.Select(s => s * tablePerSequence).ToArray();
        int tokens = positions.Length;
        float[] queries = Values(random, tokens * heads * headDim, 1f);
        float[] keys = Values(random, blocks * kvHeads * blockSize * headDim, 1f);
        float[] values = Values(random, keys.Length, 1f);

        using var dq = kernels.Device.Upload<float>(queries);
        using var dout = kernels.Device.Allocate<float>(queries.Length);
        using var dk = kernels.Device.Upload<float>(keys);
        using var dv = kernels.Device.Upload<float>(values);
        using var dtables = kernels.Device.Upload<int>(blockTables);
        using var dstarts = kernels.Device.Upload<int>(tableStarts);
        using var dpos = kernels.Device.Upload<int>(positions);
        using var dwin = kernels.Device.Upload<int>(windowStarts);
        var batch = new CudaPagedAttentionBatch
        {
            Queries = dq, Output = dout, KeyCache = dk, ValueCache = dv, BlockTables = dtables, BlockTableStarts = dstarts,
            Positions = dpos, WindowStarts = dwin, Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, BlockSize = blockSize,
        };
        if (prefill)
            kernels.PagedAttentionPrefill(batch);
        else
            kernels.PagedAttentionDecode(batch);
        float[] actual = dout.ToArray();

        var expected = new float[queries.Length];
        fixed (float* q = queries, o = expected, k = keys, v = values)
        fixed (int* bt = blockTables, bs = tableStarts, p = positions, w = windowStarts)
        {
            PagedAttention.Reference(new PagedAttentionBatch
            {
                Queries = q, Output = o, KeyCache = k, ValueCache = v, BlockTables = bt, BlockTableStarts = bs, Positions = p, WindowStarts = w,
                Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, BlockSize = blockSize,
            });
        }

        for (int i = 0; i < expected.Length; i++)
            actual[i].Should().BeApproximately(expected[i], 2e-5f, $"token {i / (heads * headDim)}, head {i / headDim % heads}, dim {i % headDim}");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dense_gemv_matches_a_float64_reference(bool bf16)
    {
        var kernels = fixture.Require();
        const int n = 300, k = 1032;
        var random = new Random(bf16 ? 2 : 1);
        float[] w = Values(random, n * k, 1f).Select(v => bf16 ? RoundToBf16(v) : (float)(Half)v).ToArray();
        float[] x = Values(random, k, 1f);
        using var weights = bf16
            ? DenseDeviceWeights.UploadBf16(kernels.Device, w.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray(), n, k)
            : DenseDeviceWeights.UploadF16(kernels.Device, w.Select(v => (Half)v).ToArray(), n, k);

        AssertGemv(kernels, weights, w, x, n, k);
    }

    [SkippableTheory]
    [InlineData(false, 1, 64, 64)]
    [InlineData(false, 70, 72, 104)]
    [InlineData(true, 130, 200, 256)]
    public void Mma_gemm_matches_a_float64_reference(bool bf16, int m, int n, int k)
    {
        var kernels = fixture.Require();
        var random = new Random(m + n + k);
        float[] a = Values(random, m * k, 1f).Select(v => bf16 ? RoundToBf16(v) : (float)(Half)v).ToArray();
        float[] w = Values(random, n * k, 1f).Select(v => bf16 ? RoundToBf16(v) : (float)(Half)v).ToArray();
        ushort[] Bits(float[] values) => values.Select(v => bf16 ? (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16) : BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        using var da = kernels.Device.Upload<ushort>(Bits(a));
        using var weights = bf16 ? DenseDeviceWeights.UploadBf16(kernels.Device, Bits(w), n, k) : DenseDeviceWeights.UploadF16(kernels.Device, w.Select(v => (Half)v).ToArray(), n, k);
        using var dc = kernels.Device.Allocate<float>(m * n);

        kernels.Gemm(da, weights, dc, m);
        float[] c = dc.ToArray();

        for (int i = 0; i < m; i++)
        {
            float[] row = a.AsSpan(i * k, k).ToArray();
            double[] expected = QuantizedReference.Gemv(w, row, n, k);
            double[] magnitude = QuantizedReference.Magnitude(w, row, n, k);
            for (int j = 0; j < n; j++)
                ((double)c[i * n + j]).Should().BeApproximately(expected[j], 1e-5 * magnitude[j] + 1e-6, $"C[{i}, {j}]");
        }
    }

    [SkippableTheory]
    [InlineData(1, 64, 64)]
    [InlineData(70, 136, 208)]
    public void W8a8_gemm_matches_the_integer_reference_exactly(int m, int n, int k)
    {
        var kernels = fixture.Require();
        var random = new Random(m * n + k);
        float[] x = Values(random, m * k, 3f);
        sbyte[] codes = Enumerable.Range(0, n * k).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        float[] wScales = Values(random, n, 0.01f);
        using var weights = Int8DeviceWeights.Upload(kernels.Device, codes, wScales, n, k);
        using var dx = kernels.Device.Upload<float>(x);
        using var da = kernels.Device.Allocate<sbyte>(m * k);
        using var dsa = kernels.Device.Allocate<float>(m);
        using var dc = kernels.Device.Allocate<float>(m * n);

        kernels.QuantizeRows(dx, m, da, dsa);
        kernels.GemmW8A8(da, dsa, weights, dc, m);

        // The reference quantizes the same way (absmax / 127, x / scale rounded to even) and sums exactly in integers.
        var a = new sbyte[m * k];
        var aScales = new float[m];
        for (int r = 0; r < m; r++)
        {
            float max = 0f;
            for (int i = 0; i < k; i++)
                max = MathF.Max(max, MathF.Abs(x[r * k + i]));
            aScales[r] = max / 127f;
            for (int i = 0; i < k; i++)
                a[r * k + i] = aScales[r] > 0 ? (sbyte)Math.Clamp((int)MathF.Round(x[r * k + i] / aScales[r], MidpointRounding.ToEven), -127, 127) : (sbyte)0;
        }

        da.ToArray().Should().Equal(a);
        dsa.ToArray().Should().Equal(aScales);
        float[] c = dc.ToArray();
        for (int r = 0; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int i = 0; i < k; i++)
                    sum += a[r * k + i] * codes[j * k + i];
                c[r * n + j].Should().Be(aScales[r] * wScales[j] * sum, $"C[{r}, {j}]");
            }
        }
    }

    internal static void AssertGemv(CudaKernels kernels, ICudaGemvWeights weights, float[] w, float[] x, int n, int k)
    {
        using var dx = kernels.Device.Upload<float>(x);
        using var dy = kernels.Device.Allocate<float>(n);
        kernels.Gemv(weights, dx, dy);
        float[] y = dy.ToArray();
        double[] expected = QuantizedReference.Gemv(w, x, n, k);
        double[] magnitude = QuantizedReference.Magnitude(w, x, n, k);
        for (int r = 0; r < n; r++)
            ((double)y[r]).Should().BeApproximately(expected[r], 1e-5 * magnitude[r] + 1e-6, $"{weights.Format} row {r}");
    }

    internal static float[] Values(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();

    private static float RoundToBf16(float v) => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u);
}
