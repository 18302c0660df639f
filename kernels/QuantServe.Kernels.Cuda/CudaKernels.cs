using System.Collections.Concurrent;
using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Kernels.Cuda;

/// <summary>
/// The kernels of kernels/cuda/*.cu on one device, with typed launches that check shapes before queuing.
/// Each source file is compiled by NVRTC for the device's architecture on first use (through the PTX cache)
/// and loaded once. Activations are fp32 (as on the CPU); launches are asynchronous on the given stream
/// (the default stream when null).
/// </summary>
public sealed class CudaKernels : IDisposable
{
    // Columns per block of the gptq kernel (32 threads x 4 columns) and input rows per K slice.
    private const int GptqColumnsPerBlock = 128;
    private const int GptqRowsPerSlice = 512;
    private const int PrefillTile = 8;
    private const int PrefillChunk = 16;

    private readonly PtxCache _cache;
    private readonly ConcurrentDictionary<string, Lazy<CudaModule>> _modules = new();
    private readonly ConcurrentDictionary<string, CudaFunction> _functions = new();

    public CudaKernels(CudaDevice device, PtxCache? cache = null)
    {
        Device = device;
        _cache = cache ?? PtxCache.Default;
    }

    public CudaDevice Device { get; }

    /// <summary>Kernel <paramref name="kernel"/> of source <paramref name="file"/> (e.g. "rmsnorm.cu", "rms_norm_f32").</summary>
    public CudaFunction Function(string file, string kernel) =>
        _functions.GetOrAdd(file + "/" + kernel, _ => _modules.GetOrAdd(file, f => new Lazy<CudaModule>(() => Load(f))).Value.GetFunction(kernel));

    /// <summary>Compiles and loads every kernel source now (instead of on first use).</summary>
    public void LoadAll()
    {
        foreach (string file in KernelSources.Names)
            _ = _modules.GetOrAdd(file, f => new Lazy<CudaModule>(() => Load(f))).Value;
    }

    /// <summary>y[r] = RMSNorm(x[r]) * weight for <paramref name="rows"/> rows of weight.Count values. y may be x.</summary>
    public void RmsNorm(DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float> y, int rows, float eps, CudaStream? stream = null)
    {
        int n = checked((int)weight.Count);
        Require(n > 0, "RmsNorm: the weight is empty");
        RequireCount(x, (long)rows * n, "RmsNorm x", $"[{rows}, {n}]");
        RequireCount(y, (long)rows * n, "RmsNorm y", $"[{rows}, {n}]");
        int threads = Math.Clamp((n + 31) / 32 * 32, 32, 1024);
        Function("rmsnorm.cu", "rms_norm_f32").Launch(new((uint)rows), new((uint)threads),
            new KernelArguments().Add(x).Add(weight).Add(y).Add(n).Add(eps), 0, stream);
    }

    /// <summary>Rotates [tokens, heads, headDim] in place with cos/sin tables [maxPosition, headDim/2] at each token's position.</summary>
    public void Rope(DeviceBuffer<float> qk, DeviceBuffer<int> positions, DeviceBuffer<float> cosTable, DeviceBuffer<float> sinTable,
        int tokens, int heads, int headDim, CudaStream? stream = null)
    {
        Require(headDim > 0 && headDim % 2 == 0, $"Rope: head_dim {headDim} must be even and positive");
        RequireCount(qk, (long)tokens * heads * headDim, "Rope qk", $"[{tokens}, {heads}, {headDim}]");
        RequireCount(positions, tokens, "Rope positions", "one per token");
        Require(cosTable.Count == sinTable.Count && cosTable.Count % (headDim / 2) == 0,
            $"Rope: cos ({cosTable.Count}) and sin ({sinTable.Count}) tables must both be [positions, {headDim / 2}]");
        const int threads = 128;
        Function("rope.cu", "rope_f32").Launch(new((uint)tokens, LaunchShape.Blocks((long)heads * headDim / 2, threads)), new(threads),
            new KernelArguments().Add(qk).Add(positions).Add(cosTable).Add(sinTable).Add(heads).Add(headDim), 0, stream);
    }

    /// <summary>y = silu(gate) * up, element-wise. y may be gate or up.</summary>
    public void SwiGlu(DeviceBuffer<float> gate, DeviceBuffer<float> up, DeviceBuffer<float> y, CudaStream? stream = null)
    {
        RequireCount(up, gate.Count, "SwiGlu up", "one per gate value");
        RequireCount(y, gate.Count, "SwiGlu y", "one per gate value");
        Function("swiglu.cu", "swiglu_f32").Launch(new(ElementwiseBlocks(gate.Count)), new(256),
            new KernelArguments().Add(gate).Add(up).Add(y).Add(gate.Count), 0, stream);
    }

    /// <summary>y[t] = silu(gateUp[t, :inter]) * gateUp[t, inter:], gateUp [tokens, 2 * inter], y [tokens, inter].</summary>
    public void SwiGluFused(DeviceBuffer<float> gateUp, DeviceBuffer<float> y, int tokens, int inter, CudaStream? stream = null)
    {
        RequireCount(gateUp, 2L * tokens * inter, "SwiGluFused gate_up", $"[{tokens}, {2 * inter}]");
        RequireCount(y, (long)tokens * inter, "SwiGluFused y", $"[{tokens}, {inter}]");
        Function("swiglu.cu", "swiglu_fused_f32").Launch(new(ElementwiseBlocks((long)tokens * inter)), new(256),
            new KernelArguments().Add(gateUp).Add(y).Add(tokens).Add(inter), 0, stream);
    }

    /// <summary>output[r] = index of the largest of logits[r, :] (first on ties, a NaN wins): greedy sampling.</summary>
    public void ArgMax(DeviceBuffer<float> logits, int rows, DeviceBuffer<int> output, CudaStream? stream = null)
    {
        Require(rows > 0 && logits.Count % rows == 0 && logits.Count > 0, $"ArgMax: {logits.Count} logits are not {rows} non-empty rows");
        RequireCount(output, rows, "ArgMax output", "one index per row");
        Function("sampling.cu", "argmax_f32").Launch(new((uint)rows), new(1024),
            new KernelArguments().Add(logits).Add(checked((int)(logits.Count / rows))).Add(output), 0, stream);
    }

    /// <summary>Decode-shaped attention: one block per (token, head), 4 warps splitting the context.</summary>
    public void PagedAttentionDecode(CudaPagedAttentionBatch batch, CudaStream? stream = null)
    {
        ValidateAttention(batch);
        var arguments = AttentionArguments(batch, withTokens: false);
        Function("paged_attention.cu", "paged_attention_decode_f32").Launch(new((uint)batch.Tokens, (uint)batch.Heads), new(128), arguments, 0, stream);
    }

    /// <summary>Prefill-shaped attention: 8 tokens per block share K/V chunks staged in shared memory when they share a block table.</summary>
    public void PagedAttentionPrefill(CudaPagedAttentionBatch batch, CudaStream? stream = null)
    {
        ValidateAttention(batch);
        var arguments = AttentionArguments(batch, withTokens: true);
        int shared = 2 * PrefillChunk * batch.HeadDim * sizeof(float);
        Function("paged_attention.cu", "paged_attention_prefill_f32").Launch(
            new(LaunchShape.Blocks(batch.Tokens, PrefillTile), (uint)batch.Heads), new(32 * PrefillTile), arguments, shared, stream);
    }

    /// <summary>y = W x for one token: x [InFeatures], y [OutFeatures], fp32; W in any format with a GEMV kernel.</summary>
    public void Gemv(ICudaGemvWeights weights, DeviceBuffer<float> x, DeviceBuffer<float> y, CudaStream? stream = null)
    {
        RequireCount(x, weights.InFeatures, $"{weights.Format} gemv x", "in_features");
        RequireCount(y, weights.OutFeatures, $"{weights.Format} gemv y", "out_features");
        int n = weights.OutFeatures, k = weights.InFeatures;
        var rowPerWarp = new LaunchShape(LaunchShape.Blocks(n, 4));
        var fourWarps = new LaunchShape(128);
        switch (weights)
        {
            case DenseDeviceWeights dense:
                Function("gemv_dense.cu", dense.IsBf16 ? "gemv_bf16" : "gemv_f16").Launch(rowPerWarp, fourWarps,
                    new KernelArguments().Add(dense.Values).Add(x).Add(y).Add(n).Add(k), 0, stream);
                break;
            case Int8DeviceWeights int8:
                Function("gemv_int8.cu", "gemv_int8").Launch(rowPerWarp, fourWarps,
                    new KernelArguments().Add(int8.Codes).Add(int8.Scales).Add(x).Add(y).Add(n).Add(k), 0, stream);
                break;
            case Fp8DeviceWeights fp8:
                Function("gemv_fp8.cu", "gemv_fp8_e4m3").Launch(rowPerWarp, fourWarps,
                    new KernelArguments().Add(fp8.Codes).Add(fp8.Scales).Add(x).Add(y).Add(n).Add(k), 0, stream);
                break;
            case Bnb4DeviceWeights bnb:
                Function("gemv_bnb4.cu", "gemv_bnb4").Launch(rowPerWarp, fourWarps,
                    new KernelArguments().Add(bnb.Packed).Add(bnb.Codebook).AddOptional(bnb.Absmax).AddOptional(bnb.AbsmaxCodes)
                        .AddOptional(bnb.NestedAbsmax).AddOptional(bnb.NestedMap).Add(bnb.NestedBlockSize).Add(bnb.Offset).Add(bnb.BlockSize)
                        .Add(x).Add(y).Add(n).Add(k), 0, stream);
                break;
            case GptqDeviceWeights gptq:
                y.Clear(stream);
                Function("gemv_gptq.cu", gptq.Bits == 4 ? "gemv_gptq4" : "gemv_gptq8").Launch(
                    new(LaunchShape.Blocks(n, GptqColumnsPerBlock), LaunchShape.Blocks(k, GptqRowsPerSlice)), new(256),
                    new KernelArguments().Add(gptq.QWeight).Add(gptq.QZeros).Add(gptq.Scales).AddOptional(gptq.GroupIndex)
                        .Add(gptq.GroupSize).Add(gptq.ZeroOffset).Add(x).Add(y).Add(n).Add(k).Add(GptqRowsPerSlice), 0, stream);
                break;
            case AwqDeviceWeights awq:
                y.Clear(stream);
                Function("gemv_awq.cu", "gemv_awq").Launch(
                    new(LaunchShape.Blocks(n / 8, 128), LaunchShape.Blocks(k, awq.GroupSize)), new(128),
                    new KernelArguments().Add(awq.QWeight).Add(awq.QZeros).Add(awq.Scales).Add(awq.GroupSize).Add(x).Add(y).Add(n).Add(k), 0, stream);
                break;
            case Exl2DeviceWeights exl2:
                y.Clear(stream);
                Function("gemv_exl2.cu", "gemv_exl2").Launch(new(LaunchShape.Blocks(n, GptqColumnsPerBlock), (uint)exl2.Groups), new(256),
                    new KernelArguments().Add(exl2.QWeight).Add(exl2.QScale).Add(exl2.QScaleMax).Add(exl2.GroupBits).Add(exl2.GroupFirstWord)
                        .Add(exl2.GroupFirstRow).Add(exl2.GroupRows).Add(exl2.Permutation).Add(exl2.WordRows).Add(x).Add(y).Add(n), 0, stream);
                break;
            default:
                throw new ArgumentException($"no CUDA GEMV for weights of type {weights.GetType().Name} ({weights.Format})", nameof(weights));
        }
    }

    /// <summary>C[M, N] (fp32) = A[M, K] * W^T on tensor cores (mma.sync); A holds 16-bit values of W's type.</summary>
    public void Gemm(DeviceBuffer<ushort> a, DenseDeviceWeights weights, DeviceBuffer<float> c, int m, CudaStream? stream = null)
    {
        int n = weights.OutFeatures, k = weights.InFeatures;
        RequireCount(a, (long)m * k, "gemm A", $"[{m}, {k}]");
        RequireCount(c, (long)m * n, "gemm C", $"[{m}, {n}]");
        Function("gemm_mma.cu", weights.IsBf16 ? "gemm_bf16_mma" : "gemm_f16_mma").Launch(
            new(LaunchShape.Blocks(n, 64), LaunchShape.Blocks(m, 64)), new(128),
            new KernelArguments().Add(a).Add(weights.Values).Add(c).Add(m).Add(n).Add(k), 0, stream);
    }

    /// <summary>Per-row symmetric int8 quantization of activations: q = rne(x / scale), scale = absmax / 127 (W8A8's first half).</summary>
    public void QuantizeRows(DeviceBuffer<float> x, int rows, DeviceBuffer<sbyte> quantized, DeviceBuffer<float> scales, CudaStream? stream = null)
    {
        Require(rows > 0 && x.Count % rows == 0, $"QuantizeRows: {x.Count} values are not {rows} rows");
        RequireCount(quantized, x.Count, "QuantizeRows output", "one code per value");
        RequireCount(scales, rows, "QuantizeRows scales", "one per row");
        Function("gemm_w8a8.cu", "quantize_rows_int8").Launch(new((uint)rows), new(256),
            new KernelArguments().Add(x).Add(quantized).Add(scales).Add(checked((int)(x.Count / rows))), 0, stream);
    }

    /// <summary>
    /// C[M, N] = aScales[m] * w.Scales[n] * (A[M, K] . W[N, K]) on integer tensor cores (mma.sync s8, exact int32 sums);
    /// A and aScales come from <see cref="QuantizeRows"/>.
    /// </summary>
    public void GemmW8A8(DeviceBuffer<sbyte> a, DeviceBuffer<float> aScales, Int8DeviceWeights weights, DeviceBuffer<float> c, int m, CudaStream? stream = null)
    {
        int n = weights.OutFeatures, k = weights.InFeatures;
        RequireCount(a, (long)m * k, "W8A8 gemm A", $"[{m}, {k}]");
        RequireCount(aScales, m, "W8A8 gemm A scales", "one per row");
        RequireCount(c, (long)m * n, "W8A8 gemm C", $"[{m}, {n}]");
        Function("gemm_w8a8.cu", "gemm_w8a8_mma").Launch(new(LaunchShape.Blocks(n, 64), LaunchShape.Blocks(m, 64)), new(128),
            new KernelArguments().Add(a).Add(aScales).Add(weights.Codes).Add(weights.Scales).Add(c).Add(m).Add(n).Add(k), 0, stream);
    }

    public void Dispose()
    {
        foreach (var module in _modules.Values)
        {
            if (module.IsValueCreated)
                module.Value.Dispose();
        }

        _modules.Clear();
        _functions.Clear();
    }

    private CudaModule Load(string file)
    {
        string ptx = _cache.GetOrCompile(KernelSources.Read(file), file, Device.Architecture, KernelSources.Headers);
        return Device.LoadModule(ptx, file);
    }

    private static KernelArguments AttentionArguments(CudaPagedAttentionBatch b, bool withTokens)
    {
        var arguments = new KernelArguments().Add(b.Output).Add(b.Queries).Add(b.KeyCache).Add(b.ValueCache)
            .Add(b.BlockTables).Add(b.BlockTableStarts).Add(b.Positions).Add(b.WindowStarts);
        if (withTokens)
            arguments.Add(b.Tokens);
        return arguments.Add(b.Heads).Add(b.KvHeads).Add(b.HeadDim).Add(b.BlockSize).Add(1f / MathF.Sqrt(b.HeadDim));
    }

    private static void ValidateAttention(CudaPagedAttentionBatch b)
    {
        Require(b.Tokens >= 0 && b.Heads > 0 && b.KvHeads > 0 && b.Heads % b.KvHeads == 0 && b.BlockSize > 0,
            $"paged attention: invalid shape (tokens {b.Tokens}, heads {b.Heads}, kv heads {b.KvHeads}, block size {b.BlockSize})");
        Require(b.HeadDim > 0 && b.HeadDim % 32 == 0 && b.HeadDim <= 256,
            $"paged attention: head_dim {b.HeadDim} is not supported on CUDA (a multiple of 32, at most 256)");
        RequireCount(b.Queries, (long)b.Tokens * b.Heads * b.HeadDim, "paged attention queries", "[tokens, heads, head_dim]");
        RequireCount(b.Output, (long)b.Tokens * b.Heads * b.HeadDim, "paged attention output", "[tokens, heads, head_dim]");
        RequireCount(b.Positions, b.Tokens, "paged attention positions", "one per token");
        RequireCount(b.WindowStarts, b.Tokens, "paged attention window starts", "one per token");
        RequireCount(b.BlockTableStarts, b.Tokens, "paged attention block table starts", "one per token");
        long perBlock = (long)b.KvHeads * b.BlockSize * b.HeadDim;
        Require(b.KeyCache.Count == b.ValueCache.Count && b.KeyCache.Count % perBlock == 0,
            $"paged attention: key ({b.KeyCache.Count}) and value ({b.ValueCache.Count}) caches must both be [blocks, {b.KvHeads}, {b.BlockSize}, {b.HeadDim}]");
    }

    private static uint ElementwiseBlocks(long count) => (uint)Math.Clamp((count + 255) / 256, 1, 65535);

    private static void RequireCount<T>(DeviceBuffer<T> buffer, long expected, string what, string shape) where T : unmanaged
    {
        if (buffer.Count != expected)
            throw new ArgumentException($"{what} holds {buffer.Count} values, expected {expected} ({shape})");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new ArgumentException(message);
    }
}
