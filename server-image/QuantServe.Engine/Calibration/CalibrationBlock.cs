using QuantServe.Engine.Models;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// One Llama decoder block in fp32, run over one calibration sequence at a time with the project's CPU
/// kernels - the same graph as <see cref="LlamaModel"/>'s layers (pre-norm attention with RoPE and GQA,
/// pre-norm SwiGLU MLP, both added to the residual), without a KV cache: the sequence's keys and values
/// sit in one block of <see cref="PagedAttention"/>'s layout. Its projections can be swapped for their
/// quantized-then-dequantized weights, and every projection input can be observed on the way.
/// Holds one block's weights (as fp32) and one sequence's activations.
/// </summary>
public sealed unsafe class CalibrationBlock
{
    private readonly ModelConfig _c;
    private readonly float[] _inputNorm, _postAttentionNorm;
    private readonly Dictionary<string, float[]> _weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]?> _biases = new(StringComparer.Ordinal);
    private readonly RotaryEmbedding _rope;
    private float[] _normed = [], _query = [], _key = [], _value = [], _attention = [], _projected = [], _gate = [], _up = [];
    private float[] _keyCache = [], _valueCache = [], _cos = [], _sin = [];
    private int[] _positions = [], _windows = [], _tableStarts = [];
    private int _tokens = -1;

    public CalibrationBlock(ModelConfig config, CheckpointTensors tensors, int layer)
    {
        _c = config;
        Layer = layer;
        Prefix = $"model.layers.{layer}";
        _inputNorm = tensors.Vector(Prefix + ".input_layernorm.weight", config.HiddenSize);
        _postAttentionNorm = tensors.Vector(Prefix + ".post_attention_layernorm.weight", config.HiddenSize);
        foreach (var group in BlockProjection.SequentialGroups(config))
            foreach (var p in group)
            {
                _weights[p.Name] = tensors.Require($"{Prefix}.{p.Name}.weight", p.OutFeatures, p.InFeatures).ToFloat32();
                _biases[p.Name] = p.HasBias ? tensors.Vector($"{Prefix}.{p.Name}.bias", p.OutFeatures) : null;
            }
        _rope = new RotaryEmbedding(config);
    }

    public int Layer { get; }

    /// <summary><c>model.layers.{Layer}</c>.</summary>
    public string Prefix { get; }

    /// <summary>The projection's current weight, [out x in] row-major fp32.</summary>
    public float[] Weight(string projection) => _weights[projection];

    /// <summary>From now on the projection computes with <paramref name="weight"/> (the dequantized weight the checkpoint will serve).</summary>
    public void ReplaceWeight(string projection, float[] weight)
    {
        if (weight.Length != _weights[projection].Length)
            throw new ArgumentException($"{Prefix}.{projection}: replacement has {weight.Length} values, expected {_weights[projection].Length}");
        _weights[projection] = weight;
    }

    /// <summary>
    /// Runs the block over one sequence, hidden [tokens x hidden] (updated in place to the block's output
    /// unless <paramref name="stopAfter"/> ends the pass early). <paramref name="observe"/> sees each
    /// projection input, [tokens x in_features], as it is computed.
    /// </summary>
    public void Forward(float* hidden, int tokens, BlockInput? stopAfter = null, Action<BlockInput, IntPtr, int>? observe = null)
    {
        var c = _c;
        int h = c.HiddenSize, hd = c.HeadDim, heads = c.NumAttentionHeads, kvHeads = c.NumKeyValueHeads, inter = c.IntermediateSize;
        Prepare(tokens);
        float eps = (float)c.RmsNormEps;
        fixed (float* normed = _normed, query = _query, key = _key, value = _value, attention = _attention, projected = _projected,
               gate = _gate, up = _up, keyCache = _keyCache, valueCache = _valueCache)
        {
            Normalize(hidden, normed, _inputNorm, tokens, h, eps);
            if (Observe(BlockInput.Attention, normed, tokens, stopAfter, observe))
                return;
            Project("self_attn.q_proj", normed, query, tokens);
            Project("self_attn.k_proj", normed, key, tokens);
            Project("self_attn.v_proj", normed, value, tokens);
            int half = hd / 2;
            for (int t = 0; t < tokens; t++)
            {
                var cos = new ReadOnlySpan<float>(_cos, t * half, half);
                var sin = new ReadOnlySpan<float>(_sin, t * half, half);
                for (int head = 0; head < heads; head++)
                    Rope.Apply(new Span<float>(query + ((long)t * heads + head) * hd, hd), cos, sin);
                for (int head = 0; head < kvHeads; head++)
                {
                    var k = new Span<float>(key + ((long)t * kvHeads + head) * hd, hd);
                    Rope.Apply(k, cos, sin);
                    long slot = ((long)head * tokens + t) * hd; // one cache block of `tokens` slots
                    k.CopyTo(new Span<float>(keyCache + slot, hd));
                    new ReadOnlySpan<float>(value + ((long)t * kvHeads + head) * hd, hd).CopyTo(new Span<float>(valueCache + slot, hd));
                }
            }
            int table = 0;
            fixed (int* starts = _tableStarts, positions = _positions, windows = _windows)
            {
                var batch = new PagedAttentionBatch
                {
                    Queries = query, Output = attention, KeyCache = keyCache, ValueCache = valueCache,
                    BlockTables = &table, BlockTableStarts = starts, Positions = positions, WindowStarts = windows,
                    Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = hd, BlockSize = tokens,
                };
                PagedAttention.Compute(batch);
            }
            if (Observe(BlockInput.AttentionOutput, attention, tokens, stopAfter, observe))
                return;
            Project("self_attn.o_proj", attention, projected, tokens);
            Add(hidden, projected, (long)tokens * h);

            Normalize(hidden, normed, _postAttentionNorm, tokens, h, eps);
            if (Observe(BlockInput.Mlp, normed, tokens, stopAfter, observe))
                return;
            Project("mlp.gate_proj", normed, gate, tokens);
            Project("mlp.up_proj", normed, up, tokens);
            for (int t = 0; t < tokens; t++)
            {
                var g = new Span<float>(gate + (long)t * inter, inter);
                SwiGlu.Apply(g, new ReadOnlySpan<float>(up + (long)t * inter, inter), g);
            }
            if (Observe(BlockInput.MlpOutput, gate, tokens, stopAfter, observe))
                return;
            Project("mlp.down_proj", gate, projected, tokens);
            Add(hidden, projected, (long)tokens * h);
        }
    }

    private static bool Observe(BlockInput input, float* values, int tokens, BlockInput? stopAfter, Action<BlockInput, IntPtr, int>? observe)
    {
        observe?.Invoke(input, (IntPtr)values, tokens);
        return stopAfter == input;
    }

    private void Project(string name, float* input, float* output, int tokens)
    {
        var w = _weights[name];
        int n = w.Length / InFeatures(name), k = InFeatures(name);
        fixed (float* pw = w)
            MatMul.F32(input, pw, output, tokens, n, k);
        if (_biases[name] is { } bias)
            for (int t = 0; t < tokens; t++)
            {
                var y = new Span<float>(output + (long)t * n, n);
                VectorOps.Add(y, bias, y);
            }
    }

    private int InFeatures(string name) => name switch
    {
        "self_attn.o_proj" => _c.NumAttentionHeads * _c.HeadDim,
        "mlp.down_proj" => _c.IntermediateSize,
        _ => _c.HiddenSize,
    };

    // Buffers and per-position tables for a sequence of this length (reused across sequences).
    private void Prepare(int tokens)
    {
        if (tokens == _tokens)
            return;
        var c = _c;
        int h = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim, half = c.HeadDim / 2;
        _normed = new float[(long)tokens * h];
        _projected = new float[(long)tokens * h];
        _query = new float[(long)tokens * q];
        _attention = new float[(long)tokens * q];
        _key = new float[(long)tokens * kv];
        _value = new float[(long)tokens * kv];
        _keyCache = new float[(long)tokens * kv];
        _valueCache = new float[(long)tokens * kv];
        _gate = new float[(long)tokens * c.IntermediateSize];
        _up = new float[(long)tokens * c.IntermediateSize];
        _cos = new float[tokens * half];
        _sin = new float[tokens * half];
        _positions = new int[tokens];
        _windows = new int[tokens];
        _tableStarts = new int[tokens];
        for (int t = 0; t < tokens; t++)
        {
            _positions[t] = t;
            _windows[t] = c.SlidingWindow is int w ? Math.Max(0, t - w + 1) : 0;
            _rope.CosSin(t, tokens, _cos.AsSpan(t * half, half), _sin.AsSpan(t * half, half));
        }
        _tokens = tokens;
    }

    private static void Normalize(float* input, float* output, float[] weight, int tokens, int h, float eps)
    {
        for (int t = 0; t < tokens; t++)
            RmsNorm.Apply(new ReadOnlySpan<float>(input + (long)t * h, h), weight, eps, new Span<float>(output + (long)t * h, h));
    }

    private static void Add(float* residual, float* delta, long count)
    {
        var r = new Span<float>(residual, checked((int)count));
        VectorOps.Add(r, new ReadOnlySpan<float>(delta, (int)count), r);
    }
}
