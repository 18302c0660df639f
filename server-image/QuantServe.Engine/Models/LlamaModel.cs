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
        {
            string prefix = $"model.layers.{i}";
            _layers[i] = new DecoderLayer(config, tensors, i, i, (name, inFeatures, outFeatures, bias) =>
                loader.LoadLinear($"{prefix}.{name}", inFeatures, outFeatures, bias));
        }
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
        PrepareTokens(chunks, ws);

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

    // Per-token bookkeeping shared by all layers (positions, rotary tables, block tables), then the embeddings.
    private void PrepareTokens(ReadOnlySpan<SequenceChunk> chunks, ForwardWorkspace ws)
    {
        var c = Config;
        ws.PlaceTokens(chunks, _rope);
        int t = 0;
        foreach (var chunk in chunks)
            foreach (int id in chunk.Tokens.Span)
            {
                if ((uint)id >= (uint)c.VocabSize)
                    throw new ArgumentOutOfRangeException(nameof(chunks), $"token id {id} is outside the model's vocabulary [0, {c.VocabSize})");
                _embedding.ReadRow(id, new Span<float>(ws.Hidden + (long)t++ * c.HiddenSize, c.HiddenSize));
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
}
