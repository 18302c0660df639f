using System.Runtime.InteropServices;
using QuantServe.Kernels.Cuda;
using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Bench.Gpu;

/// <summary>
/// Batch-1 decoding GEMV per format on a 16384 x 16384 matrix (every format's weights are several times the L2),
/// against the HBM read bandwidth measured here and against cuBLAS's fp16 GEMV on the same shape; then prefill GEMM
/// (mma.sync) against cuBLAS. Times are CUDA events around 20 launches, the median of 5 such runs.
/// </summary>
internal sealed class GemvTimings(CudaKernels kernels, Report report)
{
    private const int N = 16384;
    private const int K = 16384;
    private readonly CudaDevice _device = kernels.Device;
    private readonly Random _random = new(7);

    public void RunAll()
    {
        double readBandwidth = MeasureReadBandwidth();
        double copyBandwidth = MeasureCopyBandwidth();
        report.Line("");
        report.Line($"## Decoding GEMV, batch 1, [{N}, {K}]");
        report.Line($"Measured HBM read bandwidth: **{readBandwidth / 1e9:F0} GB/s** (streaming-read kernel, 4 GiB); device-to-device copy: {copyBandwidth / 1e9:F0} GB/s (read + written).");
        using var cublas = Cublas.TryCreate(_device, out string cublasReason);
        double? cublasSeconds = cublas is null ? null : CublasGemvSeconds(cublas);
        report.Line(cublas is null ? $"cuBLAS: not available ({cublasReason})" : $"cuBLAS fp16 GEMV (cublasGemmEx, m = 1): {cublasSeconds * 1e6:F1} us ({(long)N * K * 2 / cublasSeconds / 1e9:F0} GB/s)");
        report.Line("");
        report.Line("| format | bits/weight read | time (us) | GB/s | % of measured read BW | x cuBLAS fp16 |");
        report.Line("| --- | --- | --- | --- | --- | --- |");

        var formats = new List<(string, Func<(ICudaGemvWeights, float[]?)>)>
        {
            ("gemv_f16", () => (DenseDeviceWeights.UploadF16(_device, MemoryMarshal.Cast<ushort, Half>(RandomHalfBits((long)N * K)), N, K), null)),
            ("gemv_bf16", () => (DenseDeviceWeights.UploadBf16(_device, RandomBf16Bits((long)N * K), N, K), null)),
        };
        formats.AddRange(QuantizedFormats.Make(_device, _random, N, K, withReference: false).Select(f => (f.Name, f.Make)));
        using var x = _device.Upload<float>(Enumerable.Range(0, K).Select(_ => (float)_random.NextDouble() - 0.5f).ToArray());
        using var y = _device.Allocate<float>(N);
        foreach (var (name, make) in formats)
        {
            try
            {
                var (weights, _) = make();
                using (weights)
                {
                    double seconds = Time(() => kernels.Gemv(weights, x, y));
                    double bandwidth = weights.WeightBytes / seconds;
                    report.Line($"| {name} | {weights.WeightBytes * 8.0 / ((long)N * K):F2} | {seconds * 1e6:F1} | {bandwidth / 1e9:F0} | {bandwidth / readBandwidth * 100:F0}% | "
                        + (cublasSeconds is null ? "-" : $"{cublasSeconds / seconds:F2}") + " |");
                }
            }
            catch (Exception exception)
            {
                report.Line($"| {name} | - | - | - | - | **error**: {exception.Message.Replace('\n', ' ')} |");
            }
        }

        Gemm(cublas);
        report.Line("");
        report.Line("Goals (issue 9, H200): 4-bit formats >= 70% of the measured read bandwidth and >= 3x cuBLAS fp16 GEMV; prefill GEMM >= 60% of cuBLAS.");
    }

    private void Gemm(Cublas? cublas)
    {
        const int m = 4096, n = 8192, k = 8192;
        report.Line("");
        report.Line($"## Prefill GEMM [{m}, {k}] x [{n}, {k}]^T, fp32 out");
        report.Line("| kernel | time (ms) | TFLOP/s | % of cuBLAS |");
        report.Line("| --- | --- | --- | --- |");
        double? fp16Cublas = null;
        foreach (bool bf16 in new[] { false, true })
        {
            using var a = _device.Upload<ushort>(bf16 ? RandomBf16Bits((long)m * k) : RandomHalfBits((long)m * k));
            using var weights = bf16 ? DenseDeviceWeights.UploadBf16(_device, RandomBf16Bits((long)n * k), n, k)
                : DenseDeviceWeights.UploadF16(_device, MemoryMarshal.Cast<ushort, Half>(RandomHalfBits((long)n * k)), n, k);
            using var c = _device.Allocate<float>((long)m * n);
            double flops = 2.0 * m * n * k;
            double ours = Time(() => kernels.Gemm(a, weights, c, m));
            double? theirs = cublas is null ? null : Time(() => cublas.Gemm(a, weights.Values, c, m, n, k, bf16));
            string type = bf16 ? "bf16" : "fp16";
            report.Line($"| gemm_{type}_mma | {ours * 1e3:F2} | {flops / ours / 1e12:F0} | {(theirs is null ? "-" : $"{theirs / ours * 100:F0}%")} |");
            if (theirs is not null)
                report.Line($"| cuBLAS {type} | {theirs * 1e3:F2} | {flops / theirs.Value / 1e12:F0} | 100% |");
            if (!bf16)
                fp16Cublas = theirs;
        }

        // W8A8: quantizing the activations is part of the cost.
        var codes = new byte[(long)n * k];
        _random.NextBytes(codes);
        using var int8 = Int8DeviceWeights.Upload(_device, MemoryMarshal.Cast<byte, sbyte>(codes), Enumerable.Repeat(0.01f, n).ToArray(), n, k);
        using var x = _device.Upload<float>(Enumerable.Range(0, m * k).Select(i => (float)Math.Sin(i)).ToArray());
        using var q = _device.Allocate<sbyte>((long)m * k);
        using var qs = _device.Allocate<float>(m);
        using var cw = _device.Allocate<float>((long)m * n);
        double w8a8 = Time(() =>
        {
            kernels.QuantizeRows(x, m, q, qs);
            kernels.GemmW8A8(q, qs, int8, cw, m);
        });
        report.Line($"| quantize_rows_int8 + gemm_w8a8_mma | {w8a8 * 1e3:F2} | {2.0 * m * n * k / w8a8 / 1e12:F0} (int8 TOPS) | "
            + (fp16Cublas is null ? "-" : $"{fp16Cublas / w8a8 * 100:F0}% of cuBLAS fp16") + " |");
    }

    private double CublasGemvSeconds(Cublas cublas)
    {
        using var w = _device.Upload<ushort>(RandomHalfBits((long)N * K));
        using var x = _device.Upload<ushort>(RandomHalfBits(K));
        using var y = _device.Allocate<float>(N);
        return Time(() => cublas.Gemm(x, w, y, 1, N, K, bf16: false));
    }

    private double MeasureReadBandwidth()
    {
        string source;
        using (var stream = typeof(GemvTimings).Assembly.GetManifestResourceStream("read_bandwidth.cu")!)
        using (var reader = new StreamReader(stream))
            source = reader.ReadToEnd();
        string ptx = new PtxCache(Path.Combine(Path.GetTempPath(), "quantserve-ptx")).GetOrCompile(source, "read_bandwidth.cu", _device.Architecture);
        using var module = _device.LoadModule(ptx, "read_bandwidth.cu");
        var function = module.GetFunction("read_bandwidth");
        const long bytes = 4L << 30;
        using var data = _device.Allocate<byte>(bytes);
        data.Clear();
        using var sink = _device.Allocate<uint>(1);
        var arguments = new KernelArguments().Add(data).Add(bytes / 16).Add(sink);
        var grid = new LaunchShape((uint)_device.MultiprocessorCount * 4);
        return bytes / Time(() => function.Launch(grid, new LaunchShape(512), arguments));
    }

    private double MeasureCopyBandwidth()
    {
        const long bytes = 2L << 30;
        using var source = _device.Allocate<byte>(bytes);
        using var destination = _device.Allocate<byte>(bytes);
        source.Clear();
        return 2.0 * bytes / Time(() => destination.CopyFrom(source));
    }

    /// <summary>Seconds per call: 3 warm-up calls, then the median of 5 runs of 20 calls timed by CUDA events.</summary>
    private double Time(Action launch)
    {
        for (int i = 0; i < 3; i++)
            launch();
        _device.Synchronize();
        using var start = _device.CreateEvent();
        using var stop = _device.CreateEvent();
        var runs = new double[5];
        for (int r = 0; r < runs.Length; r++)
        {
            start.Record();
            for (int i = 0; i < 20; i++)
                launch();
            stop.Record();
            runs[r] = stop.ElapsedMilliseconds(start) / 1e3 / 20;
        }

        Array.Sort(runs);
        return runs[runs.Length / 2];
    }

    // Random fp16 bits with magnitudes in [0.5, 1): no infinities or NaNs.
    private ushort[] RandomHalfBits(long count)
    {
        var bytes = new byte[count * 2];
        _random.NextBytes(bytes);
        ushort[] bits = MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
        for (long i = 0; i < bits.LongLength; i++)
            bits[i] = (ushort)((bits[i] & 0x83FF) | 0x3800);
        return bits;
    }

    private ushort[] RandomBf16Bits(long count)
    {
        ushort[] bits = RandomHalfBits(count);
        for (long i = 0; i < bits.LongLength; i++)
            bits[i] = (ushort)((bits[i] & 0x807F) | 0x3F00);
        return bits;
    }
}
