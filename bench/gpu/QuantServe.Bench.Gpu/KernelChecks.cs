using QuantServe.Kernels.Cpu;
using QuantServe.Kernels.Cuda;
using QuantServe.Kernels.Cuda.Tests;
using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Bench.Gpu;

/// <summary>
/// Every CUDA kernel against its CPU reference on random inputs at model-like sizes (the xUnit device tests do the
/// same at small sizes where .NET and a GPU meet). Errors are relative: elementwise |gpu - cpu| / (1 + |cpu|), GEMV
/// and GEMM |gpu - ref| / sum |w x| (the scale of fp32 accumulation error).
/// </summary>
internal sealed unsafe class KernelChecks(CudaKernels kernels, Report report)
{
    private readonly CudaDevice _device = kernels.Device;
    private readonly Random _random = new(20261204);
    private bool _ok = true;

    public bool RunAll()
    {
        report.Line("");
        report.Line("## Kernels against the CPU reference");
        report.Line("| kernel | shape | max error | tolerance | result |");
        report.Line("| --- | --- | --- | --- | --- |");
        Run("rms_norm_f32", "8 x 4096", 2e-5, RmsNormError);
        Run("rope_f32 (bitwise)", "16 tok x 32 heads x 128", 0, RopeError);
        Run("swiglu_f32 + fused", "4 x 14336", 1e-6, SwiGluError);
        Run("argmax_f32 (exact)", "8 x 128256", 0, ArgMaxError);
        Run("paged_attention_decode_f32", "16 tok, ctx <= 2000, 32/8 heads, d 128", 2e-5, () => AttentionError(prefill: false));
        Run("paged_attention_prefill_f32", "2 seqs, 300 tok, 32/8 heads, d 128", 2e-5, () => AttentionError(prefill: true));
        foreach (bool bf16 in new[] { false, true })
        {
            Run(bf16 ? "gemv_bf16" : "gemv_f16", "4096 x 4096", 1e-5, () => DenseGemvError(bf16));
            Run(bf16 ? "gemm_bf16_mma" : "gemm_f16_mma", "M 200, N 520, K 1024", 1e-5, () => GemmError(bf16));
        }

        Run("quantize_rows_int8 + gemm_w8a8_mma (exact)", "M 200, N 520, K 1024", 0, W8A8Error);

        const int n = 4096, k = 4096;
        float[] x = Values(k, 1f);
        foreach (var (name, make) in QuantizedFormats.All(_device, _random, n, k))
            Run(name, $"{n} x {k}", 1e-5, () =>
            {
                var (weights, reference) = make();
                using (weights)
                    return GemvError(weights, reference, x);
            });
        return _ok;
    }

    private void Run(string name, string shape, double tolerance, Func<double> error)
    {
        try
        {
            double e = error();
            bool pass = e <= tolerance;
            _ok &= pass;
            report.Line($"| {name} | {shape} | {e:E2} | {tolerance:E0} | {(pass ? "PASS" : "**FAIL**")} |");
        }
        catch (Exception exception)
        {
            _ok = false;
            report.Line($"| {name} | {shape} | - | {tolerance:E0} | **FAIL**: {exception.GetType().Name}: {exception.Message.Replace('\n', ' ')} |");
        }
    }

    private double RmsNormError()
    {
        const int rows = 8, n = 4096;
        float[] x = Values(rows * n, 2f), w = Values(n, 1f);
        using var dx = _device.Upload<float>(x);
        using var dw = _device.Upload<float>(w);
        using var dy = _device.Allocate<float>(rows * n);
        kernels.RmsNorm(dx, dw, dy, rows, 1e-5f);
        float[] y = dy.ToArray();
        var expected = new float[rows * n];
        for (int r = 0; r < rows; r++)
            RmsNorm.ApplyReference(x.AsSpan(r * n, n), w, 1e-5f, expected.AsSpan(r * n, n));
        return Elementwise(y, expected);
    }

    private double RopeError()
    {
        const int tokens = 16, heads = 32, d = 128, half = d / 2, maxPosition = 4096;
        float[] qk = Values(tokens * heads * d, 3f);
        var cos = new float[maxPosition * half];
        var sin = new float[maxPosition * half];
        for (int p = 0; p < maxPosition; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(500000, 2.0 * i / d);
                cos[p * half + i] = (float)Math.Cos(angle);
                sin[p * half + i] = (float)Math.Sin(angle);
            }
        }

        int[] positions = Enumerable.Range(0, tokens).Select(_ => _random.Next(maxPosition)).ToArray();
        using var dqk = _device.Upload<float>(qk);
        using var dp = _device.Upload<int>(positions);
        using var dc = _device.Upload<float>(cos);
        using var ds = _device.Upload<float>(sin);
        kernels.Rope(dqk, dp, dc, ds, tokens, heads, d);
        float[] actual = dqk.ToArray();
        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
                Rope.ApplyReference(qk.AsSpan((t * heads + h) * d, d), cos.AsSpan(positions[t] * half, half), sin.AsSpan(positions[t] * half, half));
        }

        // Bit for bit: any difference counts as 1.
        return actual.Where((v, i) => BitConverter.SingleToInt32Bits(v) != BitConverter.SingleToInt32Bits(qk[i])).Any() ? 1 : 0;
    }

    private double SwiGluError()
    {
        const int tokens = 4, inter = 14336;
        float[] gate = Values(tokens * inter, 8f), up = Values(tokens * inter, 2f);
        var fused = new float[2 * tokens * inter];
        for (int t = 0; t < tokens; t++)
        {
            gate.AsSpan(t * inter, inter).CopyTo(fused.AsSpan(2 * t * inter));
            up.AsSpan(t * inter, inter).CopyTo(fused.AsSpan(2 * t * inter + inter));
        }

        using var dg = _device.Upload<float>(gate);
        using var du = _device.Upload<float>(up);
        using var df = _device.Upload<float>(fused);
        using var dy = _device.Allocate<float>(gate.Length);
        using var dyf = _device.Allocate<float>(gate.Length);
        kernels.SwiGlu(dg, du, dy);
        kernels.SwiGluFused(df, dyf, tokens, inter);
        var expected = new float[gate.Length];
        SwiGlu.ApplyReference(gate, up, expected);
        return Math.Max(Elementwise(dy.ToArray(), expected), Elementwise(dyf.ToArray(), expected));
    }

    private double ArgMaxError()
    {
        const int rows = 8, vocab = 128256;
        float[] logits = Values(rows * vocab, 20f);
        logits[3 * vocab + 5] = float.NaN;
        using var dl = _device.Upload<float>(logits);
        using var di = _device.Allocate<int>(rows);
        kernels.ArgMax(dl, rows, di);
        int[] actual = di.ToArray();
        return Enumerable.Range(0, rows).Count(r => actual[r] != VectorOps.ArgMaxReference(logits.AsSpan(r * vocab, vocab)));
    }

    private double AttentionError(bool prefill)
    {
        const int heads = 32, kvHeads = 8, d = 128, blockSize = 16, blocks = 400, table = 150;
        int[] positions, sequence;
        if (prefill)
        {
            positions = [.. Enumerable.Range(0, 200), .. Enumerable.Range(0, 100)];
            sequence = [.. Enumerable.Repeat(0, 200), .. Enumerable.Repeat(1, 100)];
        }
        else
        {
            positions = Enumerable.Range(0, 16).Select(_ => _random.Next(1, 2000)).ToArray();
            sequence = Enumerable.Range(0, 16).ToArray();
        }

        int tokens = positions.Length, sequences = sequence.Max() + 1;
        int[] windows = positions.Select((p, i) => i % 5 == 4 ? Math.Max(0, p - 256) : 0).ToArray();
        int[] tables = Enumerable.Range(0, sequences * table).Select(_ => _random.Next(blocks)).ToArray();
        int[] starts = sequence.Select(s => s * table).ToArray();
        float[] q = Values(tokens * heads * d, 1f), kc = Values(blocks * kvHeads * blockSize * d, 1f), vc = Values(kc.Length, 1f);
        using var dq = _device.Upload<float>(q);
        using var dout = _device.Allocate<float>(q.Length);
        using var dk = _device.Upload<float>(kc);
        using var dv = _device.Upload<float>(vc);
        using var dt = _device.Upload<int>(tables);
        using var dst = _device.Upload<int>(starts);
        using var dp = _device.Upload<int>(positions);
        using var dw = _device.Upload<int>(windows);
        var batch = new CudaPagedAttentionBatch
        {
            Queries = dq, Output = dout, KeyCache = dk, ValueCache = dv, BlockTables = dt, BlockTableStarts = dst, Positions = dp,
            WindowStarts = dw, Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = d, BlockSize = blockSize,
        };
        if (prefill)
            kernels.PagedAttentionPrefill(batch);
        else
            kernels.PagedAttentionDecode(batch);
        float[] actual = dout.ToArray();
        var expected = new float[q.Length];
        fixed (float* pq = q, po = expected, pk = kc, pv = vc)
        fixed (int* pt = tables, ps = starts, pp = positions, pw = windows)
        {
            PagedAttention.Reference(new PagedAttentionBatch
            {
                Queries = pq, Output = po, KeyCache = pk, ValueCache = pv, BlockTables = pt, BlockTableStarts = ps, Positions = pp, WindowStarts = pw,
                Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = d, BlockSize = blockSize,
            });
        }

        return Elementwise(actual, expected);
    }

    private double DenseGemvError(bool bf16)
    {
        const int n = 4096, k = 4096;
        float[] w = Values(n * k, 1f).Select(v => Round16(v, bf16)).ToArray();
        using var weights = bf16
            ? DenseDeviceWeights.UploadBf16(_device, w.Select(v => Bits16(v, true)).ToArray(), n, k)
            : DenseDeviceWeights.UploadF16(_device, w.Select(v => (Half)v).ToArray(), n, k);
        return GemvError(weights, w, Values(k, 1f));
    }

    private double GemmError(bool bf16)
    {
        const int m = 200, n = 520, k = 1024;
        float[] a = Values(m * k, 1f).Select(v => Round16(v, bf16)).ToArray();
        float[] w = Values(n * k, 1f).Select(v => Round16(v, bf16)).ToArray();
        using var da = _device.Upload<ushort>(a.Select(v => Bits16(v, bf16)).ToArray());
        using var weights = bf16
            ? DenseDeviceWeights.UploadBf16(_device, w.Select(v => Bits16(v, true)).ToArray(), n, k)
            : DenseDeviceWeights.UploadF16(_device, w.Select(v => (Half)v).ToArray(), n, k);
        using var dc = _device.Allocate<float>(m * n);
        kernels.Gemm(da, weights, dc, m);
        float[] c = dc.ToArray();
        double worst = 0;
        for (int i = 0; i < m; i++)
        {
            float[] row = a.AsSpan(i * k, k).ToArray();
            double[] expected = QuantizedReference.Gemv(w, row, n, k), magnitude = QuantizedReference.Magnitude(w, row, n, k);
            for (int j = 0; j < n; j++)
                worst = Math.Max(worst, Math.Abs(c[i * n + j] - expected[j]) / (magnitude[j] + 1e-6));
        }

        return worst;
    }

    // Exact: the same quantization and integer sums on the CPU; counts the outputs that differ at all.
    private double W8A8Error()
    {
        const int m = 200, n = 520, k = 1024;
        float[] x = Values(m * k, 3f), wScales = Values(n, 0.01f);
        sbyte[] codes = Enumerable.Range(0, n * k).Select(_ => (sbyte)_random.Next(-127, 128)).ToArray();
        using var weights = Int8DeviceWeights.Upload(_device, codes, wScales, n, k);
        using var dx = _device.Upload<float>(x);
        using var da = _device.Allocate<sbyte>(m * k);
        using var dsa = _device.Allocate<float>(m);
        using var dc = _device.Allocate<float>(m * n);
        kernels.QuantizeRows(dx, m, da, dsa);
        kernels.GemmW8A8(da, dsa, weights, dc, m);
        float[] c = dc.ToArray();
        int wrong = 0;
        for (int r = 0; r < m; r++)
        {
            float max = 0f;
            for (int i = 0; i < k; i++)
                max = MathF.Max(max, MathF.Abs(x[r * k + i]));
            float scale = max / 127f;
            var a = new int[k];
            for (int i = 0; i < k; i++)
                a[i] = scale > 0 ? Math.Clamp((int)MathF.Round(x[r * k + i] / scale, MidpointRounding.ToEven), -127, 127) : 0;
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int i = 0; i < k; i++)
                    sum += a[i] * codes[j * k + i];
                wrong += c[r * n + j] == scale * wScales[j] * sum ? 0 : 1;
            }
        }

        return wrong;
    }

    private double GemvError(ICudaGemvWeights weights, float[] w, float[] x)
    {
        using var dx = _device.Upload<float>(x);
        using var dy = _device.Allocate<float>(weights.OutFeatures);
        kernels.Gemv(weights, dx, dy);
        float[] y = dy.ToArray();
        double[] expected = QuantizedReference.Gemv(w, x, weights.OutFeatures, weights.InFeatures);
        double[] magnitude = QuantizedReference.Magnitude(w, x, weights.OutFeatures, weights.InFeatures);
        double worst = 0;
        for (int r = 0; r < y.Length; r++)
            worst = Math.Max(worst, Math.Abs(y[r] - expected[r]) / (magnitude[r] + 1e-6));
        return worst;
    }

    private static double Elementwise(float[] actual, float[] expected)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]) / (1 + Math.Abs(expected[i])));
        return double.IsNaN(actual.Sum()) ? double.PositiveInfinity : worst;
    }

    private float[] Values(int count, float scale) => Enumerable.Range(0, count).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale).ToArray();

    private static float Round16(float v, bool bf16) =>
        bf16 ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u) : (float)(Half)v;

    private static ushort Bits16(float v, bool bf16) =>
        bf16 ? (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16) : BitConverter.HalfToUInt16Bits((Half)v);
}
