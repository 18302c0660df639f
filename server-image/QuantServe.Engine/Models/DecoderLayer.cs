using QuantServe.Engine.KvCache;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Models;

/// <summary>
/// One Llama decoder block: pre-norm attention (RoPE, GQA, paged KV cache) and pre-norm SwiGLU MLP, each
/// added to the residual in <see cref="ForwardWorkspace.Hidden"/>. <see cref="LlamaModel"/> runs its
/// layers with this, and GPTQ calibration runs one layer at a time with replaceable fp32 projections and an
/// observer on the projections' inputs; both get the same graph.
/// </summary>
internal sealed unsafe class DecoderLayer : IDisposable
{
    private readonly ModelConfig _c;
    private readonly float[] _inputNorm, _postAttentionNorm;
    private readonly ILinear _q, _k, _v, _o, _gate, _up, _down;
    private readonly int _cacheLayer;

    /// <param name="layer">The checkpoint's layer (<c>model.layers.{layer}</c>: norms and projection names).</param>
    /// <param name="cacheLayer">The KV cache layer it writes (the model's layer; 0 for a one-layer calibration cache).</param>
    /// <param name="loadLinear">Makes a projection from its name under the layer, in and out features and whether it has a bias.</param>
    public DecoderLayer(ModelConfig c, CheckpointTensors tensors, int layer, int cacheLayer, Func<string, int, int, bool, ILinear> loadLinear)
    {
        _c = c;
        _cacheLayer = cacheLayer;
        var prefix = $"model.layers.{layer}";
        int h = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        _inputNorm = tensors.Vector(prefix + ".input_layernorm.weight", h);
        _postAttentionNorm = tensors.Vector(prefix + ".post_attention_layernorm.weight", h);
        _q = loadLinear("self_attn.q_proj", h, q, c.QkvBias);
        _k = loadLinear("self_attn.k_proj", h, kv, c.QkvBias);
        _v = loadLinear("self_attn.v_proj", h, kv, c.QkvBias);
        _o = loadLinear("self_attn.o_proj", q, h, c.OutputProjectionBias);
        _gate = loadLinear("mlp.gate_proj", h, c.IntermediateSize, c.MlpBias);
        _up = loadLinear("mlp.up_proj", h, c.IntermediateSize, c.MlpBias);
        _down = loadLinear("mlp.down_proj", c.IntermediateSize, h, c.MlpBias);
    }

    public long WeightBytes => _q.WeightBytes + _k.WeightBytes + _v.WeightBytes + _o.WeightBytes
        + _gate.WeightBytes + _up.WeightBytes + _down.WeightBytes;

    /// <summary>
    /// Runs the layer over the tokens placed in <paramref name="ws"/> (<see cref="ForwardWorkspace.PlaceTokens"/>),
    /// writing their keys and values to the cache. <paramref name="observe"/> sees each projection input,
    /// [tokens x in_features], as it is computed; the pass ends right after <paramref name="stopAfter"/> is
    /// observed (the residual then holds whatever was added before). Returns false when it stopped early.
    /// </summary>
    public bool Forward(
        ForwardWorkspace ws, int tokens, ReadOnlySpan<SequenceChunk> chunks, PagedKvCache cache,
        BlockInput? stopAfter = null, Action<BlockInput, IntPtr, int>? observe = null)
    {
        int h = _c.HiddenSize, hd = _c.HeadDim, half = hd / 2;
        int heads = _c.NumAttentionHeads, kvHeads = _c.NumKeyValueHeads;
        float eps = (float)_c.RmsNormEps;

        Normalize(ws.Hidden, ws.Normed, _inputNorm, tokens, h, eps);
        if (Observe(BlockInput.Attention, ws.Normed, tokens, stopAfter, observe))
            return false;
        _q.Forward(ws.Normed, ws.Query, tokens);
        _k.Forward(ws.Normed, ws.Key, tokens);
        _v.Forward(ws.Normed, ws.Value, tokens);

        float* keys = cache.Keys(_cacheLayer), values = cache.Values(_cacheLayer);
        int t = 0;
        foreach (var chunk in chunks)
        {
            for (int i = 0; i < chunk.Tokens.Length; i++, t++)
            {
                var cos = new ReadOnlySpan<float>(ws.Cos + (long)t * half, half);
                var sin = new ReadOnlySpan<float>(ws.Sin + (long)t * half, half);
                for (int head = 0; head < heads; head++)
                    Rope.Apply(new Span<float>(ws.Query + ((long)t * heads + head) * hd, hd), cos, sin);
                for (int head = 0; head < kvHeads; head++)
                {
                    var key = new Span<float>(ws.Key + ((long)t * kvHeads + head) * hd, hd);
                    Rope.Apply(key, cos, sin);
                    long offset = cache.Offset(chunk.Sequence, ws.Positions[t], head);
                    key.CopyTo(new Span<float>(keys + offset, hd));
                    new ReadOnlySpan<float>(ws.Value + ((long)t * kvHeads + head) * hd, hd).CopyTo(new Span<float>(values + offset, hd));
                }
            }
        }

        fixed (int* tables = ws.BlockTables, starts = ws.BlockTableStarts, positions = ws.Positions, windows = ws.WindowStarts)
        {
            var batch = new PagedAttentionBatch
            {
                Queries = ws.Query, Output = ws.Attention, KeyCache = keys, ValueCache = values,
                BlockTables = tables, BlockTableStarts = starts, Positions = positions, WindowStarts = windows,
                Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = hd, BlockSize = cache.BlockSize,
            };
            PagedAttention.Compute(batch);
        }
        if (Observe(BlockInput.AttentionOutput, ws.Attention, tokens, stopAfter, observe))
            return false;
        _o.Forward(ws.Attention, ws.Projected, tokens);
        AddInPlace(ws.Hidden, ws.Projected, (long)tokens * h);

        Normalize(ws.Hidden, ws.Normed, _postAttentionNorm, tokens, h, eps);
        if (Observe(BlockInput.Mlp, ws.Normed, tokens, stopAfter, observe))
            return false;
        _gate.Forward(ws.Normed, ws.Gate, tokens);
        _up.Forward(ws.Normed, ws.Up, tokens);
        long inter = (long)tokens * _c.IntermediateSize;
        for (long offset = 0; offset < inter; offset += _c.IntermediateSize)
        {
            var gate = new Span<float>(ws.Gate + offset, _c.IntermediateSize);
            SwiGlu.Apply(gate, new ReadOnlySpan<float>(ws.Up + offset, _c.IntermediateSize), gate);
        }
        if (Observe(BlockInput.MlpOutput, ws.Gate, tokens, stopAfter, observe))
            return false;
        _down.Forward(ws.Gate, ws.Projected, tokens);
        AddInPlace(ws.Hidden, ws.Projected, (long)tokens * h);
        return true;
    }

    private static bool Observe(BlockInput input, float* values, int tokens, BlockInput? stopAfter, Action<BlockInput, IntPtr, int>? observe)
    {
        observe?.Invoke(input, (IntPtr)values, tokens);
        return stopAfter == input;
    }

    private static void Normalize(float* input, float* output, float[] weight, int tokens, int h, float eps)
    {
        for (int t = 0; t < tokens; t++)
            RmsNorm.Apply(new ReadOnlySpan<float>(input + (long)t * h, h), weight, eps, new Span<float>(output + (long)t * h, h));
    }

    private static void AddInPlace(float* residual, float* delta, long count)
    {
        for (long offset = 0; offset < count; offset += int.MaxValue / 2)
        {
            int n = (int)Math.Min(int.MaxValue / 2, count - offset);
            var r = new Span<float>(residual + offset, n);
            VectorOps.Add(r, new ReadOnlySpan<float>(delta + offset, n), r);
        }
    }

    public void Dispose()
    {
        foreach (var linear in new[] { _q, _k, _v, _o, _gate, _up, _down })
            linear.Dispose();
    }
}
