using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Models;

/// <summary>
/// The Llama family's decoder (LlamaForCausalLM; MistralForCausalLM and Qwen2ForCausalLM are the same
/// graph with a sliding window or q/k/v biases, switched by <see cref="ModelConfig"/>), as Hugging
/// Face's modeling_llama.py computes it, over a paged KV cache.
/// Tensors (H = hidden, I = intermediate, Q = heads * head_dim, K = kv_heads * head_dim, V = vocab):
///   model.embed_tokens.weight                        (V, H)
///   model.layers.{i}.input_layernorm.weight          (H)
///   model.layers.{i}.self_attn.q_proj.weight         (Q, H)   [+ .bias (Q) with q/k/v biases]
///   model.layers.{i}.self_attn.k_proj.weight         (K, H)   [+ .bias (K)]
///   model.layers.{i}.self_attn.v_proj.weight         (K, H)   [+ .bias (K)]
///   model.layers.{i}.self_attn.o_proj.weight         (H, Q)
///   model.layers.{i}.post_attention_layernorm.weight (H)
///   model.layers.{i}.mlp.gate_proj.weight            (I, H)
///   model.layers.{i}.mlp.up_proj.weight              (I, H)
///   model.layers.{i}.mlp.down_proj.weight            (H, I)
///   model.norm.weight                                (H)
///   lm_head.weight                                   (V, H)   absent when tie_word_embeddings
/// </summary>
public sealed unsafe class LlamaModel : IDisposable
{
    private readonly SafetensorsCheckpoint? _checkpoint;
    private readonly DenseMatrix _embedding;
    private readonly DecoderLayer[] _layers;
    private readonly float[] _finalNorm;
    private readonly ILinear _lmHead;
    private readonly RotaryEmbedding _rope;
    private readonly ForwardWorkspace _workspace;

    public LlamaModel(ModelConfig config, CheckpointTensors tensors, IWeightsLoader loader, WeightDType? dtype, SafetensorsCheckpoint? owned = null)
    {
        Config = config;
        _checkpoint = owned;
        Scheme = loader.Scheme;
        int h = config.HiddenSize;
        // Embeddings and lm_head stay unquantized, as in TGI; only projections go through the loader.
        _embedding = tensors.Matrix("model.embed_tokens.weight", config.VocabSize, h, dtype);
        _layers = new DecoderLayer[config.NumHiddenLayers];
        for (int i = 0; i < _layers.Length; i++)
            _layers[i] = new DecoderLayer(config, tensors, loader, i);
        _finalNorm = tensors.Vector("model.norm.weight", h);
        _lmHead = config.TieWordEmbeddings
            ? new DenseLinear(_embedding, bias: null, ownsWeight: false)
            : new DenseLinear(tensors.Matrix("lm_head.weight", config.VocabSize, h, dtype), bias: null);
        _rope = new RotaryEmbedding(config);
        _workspace = new ForwardWorkspace(config);
    }

    public ModelConfig Config { get; }

    /// <summary>The quantization scheme the projections were loaded with ("none" when dense).</summary>
    public string Scheme { get; }

    /// <summary>Weight bytes one decoding step reads: every projection plus lm_head.</summary>
    public long WeightBytesPerToken => _layers.Sum(l => l.WeightBytes) + _lmHead.WeightBytes;

    /// <summary>Weight memory of the model: the projections, lm_head and (when untied) the embedding table.</summary>
    public long WeightBytes => WeightBytesPerToken + (Config.TieWordEmbeddings ? 0 : _embedding.Bytes);

    /// <summary>Opens a model directory (config.json + safetensors) with dense weights in <paramref name="dtype"/> (null: as stored).</summary>
    public static LlamaModel Load(string directory, WeightDType? dtype = null, Func<CheckpointTensors, IWeightsLoader>? loaderFactory = null)
    {
        var config = ModelConfig.Load(directory);
        var checkpoint = SafetensorsCheckpoint.Open(directory);
        try
        {
            var tensors = new CheckpointTensors(checkpoint);
            var loader = loaderFactory?.Invoke(tensors) ?? new DenseWeightsLoader(tensors, dtype);
            return new LlamaModel(config, tensors, loader, dtype, checkpoint);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>A KV cache for this model holding up to <paramref name="tokens"/> tokens over all sequences.</summary>
    public PagedKvCache CreateKvCache(int tokens, int blockSize = 16) =>
        new(Config.NumHiddenLayers, Config.NumKeyValueHeads, Config.HeadDim, blockSize, PagedKvCache.BlocksFor(tokens, blockSize));

    /// <summary>
    /// Runs the new tokens of every chunk through the model, appends their keys and values to the cache,
    /// and returns the logits, [rows x vocab]: per chunk in order, every token's row when AllLogits,
    /// else its last token's. The span is valid until the next call.
    /// </summary>
    public Span<float> Forward(ReadOnlySpan<SequenceChunk> chunks, PagedKvCache cache)
    {
        var c = Config;
        var ws = _workspace;
        int tokens = 0, logitRows = 0, tableEntries = 0;
        foreach (var chunk in chunks)
        {
            if (chunk.Tokens.Length == 0)
                throw new ArgumentException("a sequence chunk must contain at least one token", nameof(chunks));
            int total = chunk.Sequence.Length + chunk.Tokens.Length;
            if (!cache.TryReserve(chunk.Sequence, total))
                throw new InvalidOperationException($"the KV cache has {cache.FreeBlocks} free blocks, too few for {chunk.Tokens.Length} more tokens; budget requests before the forward step");
            tokens += chunk.Tokens.Length;
            logitRows += chunk.AllLogits ? chunk.Tokens.Length : 1;
            tableEntries += chunk.Sequence.BlockCount;
        }
        ws.EnsureCapacity(tokens, logitRows, tableEntries);
        PrepareTokens(chunks, cache, ws);

        int h = c.HiddenSize;
        foreach (var layer in _layers)
            layer.Forward(ws, tokens, chunks, cache);

        int row = 0;
        for (int i = 0; i < logitRows; i++)
        {
            int t = ws.LogitRows[i];
            RmsNorm.Apply(new ReadOnlySpan<float>(ws.Hidden + (long)t * h, h), _finalNorm, (float)c.RmsNormEps, new Span<float>(ws.LogitInput + (long)row++ * h, h));
        }
        _lmHead.Forward(ws.LogitInput, ws.Logits, logitRows);

        foreach (var chunk in chunks)
            chunk.Sequence.Length += chunk.Tokens.Length;
        return new Span<float>(ws.Logits, logitRows * c.VocabSize);
    }

    // Per-token bookkeeping shared by all layers: embeddings, positions, rotary tables, block tables.
    private void PrepareTokens(ReadOnlySpan<SequenceChunk> chunks, PagedKvCache cache, ForwardWorkspace ws)
    {
        var c = Config;
        int half = c.HeadDim / 2, t = 0, logitRow = 0, table = 0;
        foreach (var chunk in chunks)
        {
            var seq = chunk.Sequence;
            int start = table;
            foreach (var block in seq.Blocks)
                ws.BlockTables[table++] = block;
            int sequenceLength = seq.Length + chunk.Tokens.Length;
            var ids = chunk.Tokens.Span;
            for (int i = 0; i < ids.Length; i++, t++)
            {
                int id = ids[i];
                if ((uint)id >= (uint)c.VocabSize)
                    throw new ArgumentOutOfRangeException(nameof(chunks), $"token id {id} is outside the model's vocabulary [0, {c.VocabSize})");
                _embedding.ReadRow(id, new Span<float>(ws.Hidden + (long)t * c.HiddenSize, c.HiddenSize));
                int position = seq.Length + i;
                ws.Positions[t] = position;
                ws.WindowStarts[t] = c.SlidingWindow is int w ? Math.Max(0, position - w + 1) : 0;
                ws.BlockTableStarts[t] = start;
                _rope.CosSin(position, sequenceLength, new Span<float>(ws.Cos + (long)t * half, half), new Span<float>(ws.Sin + (long)t * half, half));
                if (chunk.AllLogits || i == ids.Length - 1)
                    ws.LogitRows[logitRow++] = t;
            }
        }
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
            layer.Dispose();
        _lmHead.Dispose();
        _embedding.Dispose();
        _workspace.Dispose();
        _checkpoint?.Dispose();
    }

    /// <summary>One decoder block: pre-norm attention and pre-norm SwiGLU MLP, each added to the residual.</summary>
    private sealed class DecoderLayer : IDisposable
    {
        private readonly ModelConfig _c;
        private readonly float[] _inputNorm, _postAttentionNorm;
        private readonly ILinear _q, _k, _v, _o, _gate, _up, _down;
        private readonly int _index;

        public DecoderLayer(ModelConfig c, CheckpointTensors tensors, IWeightsLoader loader, int index)
        {
            _c = c;
            _index = index;
            var prefix = $"model.layers.{index}";
            int h = c.HiddenSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
            _inputNorm = tensors.Vector(prefix + ".input_layernorm.weight", h);
            _postAttentionNorm = tensors.Vector(prefix + ".post_attention_layernorm.weight", h);
            _q = loader.LoadLinear(prefix + ".self_attn.q_proj", h, q, c.QkvBias);
            _k = loader.LoadLinear(prefix + ".self_attn.k_proj", h, kv, c.QkvBias);
            _v = loader.LoadLinear(prefix + ".self_attn.v_proj", h, kv, c.QkvBias);
            _o = loader.LoadLinear(prefix + ".self_attn.o_proj", q, h, c.OutputProjectionBias);
            _gate = loader.LoadLinear(prefix + ".mlp.gate_proj", h, c.IntermediateSize, c.MlpBias);
            _up = loader.LoadLinear(prefix + ".mlp.up_proj", h, c.IntermediateSize, c.MlpBias);
            _down = loader.LoadLinear(prefix + ".mlp.down_proj", c.IntermediateSize, h, c.MlpBias);
        }

        public long WeightBytes => _q.WeightBytes + _k.WeightBytes + _v.WeightBytes + _o.WeightBytes
            + _gate.WeightBytes + _up.WeightBytes + _down.WeightBytes;

        public void Forward(ForwardWorkspace ws, int tokens, ReadOnlySpan<SequenceChunk> chunks, PagedKvCache cache)
        {
            int h = _c.HiddenSize, hd = _c.HeadDim, half = hd / 2;
            int heads = _c.NumAttentionHeads, kvHeads = _c.NumKeyValueHeads;
            float eps = (float)_c.RmsNormEps;

            Normalize(ws.Hidden, ws.Normed, _inputNorm, tokens, h, eps);
            _q.Forward(ws.Normed, ws.Query, tokens);
            _k.Forward(ws.Normed, ws.Key, tokens);
            _v.Forward(ws.Normed, ws.Value, tokens);

            float* keys = cache.Keys(_index), values = cache.Values(_index);
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
            _o.Forward(ws.Attention, ws.Projected, tokens);
            AddInPlace(ws.Hidden, ws.Projected, (long)tokens * h);

            Normalize(ws.Hidden, ws.Normed, _postAttentionNorm, tokens, h, eps);
            _gate.Forward(ws.Normed, ws.Gate, tokens);
            _up.Forward(ws.Normed, ws.Up, tokens);
            long inter = (long)tokens * _c.IntermediateSize;
            for (long offset = 0; offset < inter; offset += _c.IntermediateSize)
            {
                var gate = new Span<float>(ws.Gate + offset, _c.IntermediateSize);
                SwiGlu.Apply(gate, new ReadOnlySpan<float>(ws.Up + offset, _c.IntermediateSize), gate);
            }
            _down.Forward(ws.Gate, ws.Projected, tokens);
            AddInPlace(ws.Hidden, ws.Projected, (long)tokens * h);
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
}
