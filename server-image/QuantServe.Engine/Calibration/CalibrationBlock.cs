using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// One decoder layer in fp32 for GPTQ calibration: the model's own <see cref="DecoderLayer"/>, run over one
/// calibration sequence at a time, whose projections can be swapped for their quantized-then-dequantized
/// weights and whose projection inputs can be observed on the way. The sequence's keys and values sit in a
/// one-layer cache of a single block. Holds one layer's weights (as fp32) and one sequence's activations.
/// </summary>
public sealed unsafe class CalibrationBlock : IDisposable
{
    private readonly ModelConfig _config;
    private readonly Dictionary<string, ReplaceableLinear> _projections = new(StringComparer.Ordinal);
    private readonly DecoderLayer _layer;
    private readonly RotaryEmbedding _rope;
    private readonly ForwardWorkspace _workspace;
    private PagedKvCache? _cache;
    private int[] _tokenIds = [];

    public CalibrationBlock(ModelConfig config, CheckpointTensors tensors, int layer)
    {
        _config = config;
        Layer = layer;
        Prefix = $"model.layers.{layer}";
        _layer = new DecoderLayer(config, tensors, layer, cacheLayer: 0, (name, inFeatures, outFeatures, hasBias) =>
        {
            var projection = new ReplaceableLinear(
                tensors.Require($"{Prefix}.{name}.weight", outFeatures, inFeatures).ToFloat32(),
                hasBias ? tensors.Vector($"{Prefix}.{name}.bias", outFeatures) : null,
                inFeatures,
                outFeatures);
            _projections[name] = projection;
            return projection;
        });
        _rope = new RotaryEmbedding(config);
        _workspace = new ForwardWorkspace(config);
    }

    public int Layer { get; }

    /// <summary><c>model.layers.{Layer}</c>.</summary>
    public string Prefix { get; }

    /// <summary>The projection's current weight, [out x in] row-major fp32.</summary>
    public float[] Weight(string projection) => _projections[projection].Weight;

    /// <summary>From now on the projection computes with <paramref name="weight"/> (the dequantized weight the checkpoint will serve).</summary>
    public void ReplaceWeight(string projection, float[] weight)
    {
        var target = _projections[projection];
        if (weight.Length != target.Weight.Length)
            throw new ArgumentException($"{Prefix}.{projection}: replacement has {weight.Length} values, expected {target.Weight.Length}");
        target.Weight = weight;
    }

    /// <summary>
    /// Runs the layer over one sequence, hidden [tokens x hidden], and writes the layer's output back into
    /// it; a pass that <paramref name="stopAfter"/> ends early leaves it as it was. <paramref name="observe"/>
    /// sees each projection input, [tokens x in_features], as it is computed.
    /// </summary>
    public void Forward(float* hidden, int tokens, BlockInput? stopAfter = null, Action<BlockInput, IntPtr, int>? observe = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        var cache = CacheFor(tokens);
        var sequence = new KvSequence();
        if (!cache.TryReserve(sequence, tokens))
            throw new InvalidOperationException($"{Prefix}: the calibration cache has no block for {tokens} tokens");
        try
        {
            // The layer reads only how many tokens each chunk has: the ids were embedded by the caller.
            ReadOnlySpan<SequenceChunk> chunks = [new SequenceChunk(sequence, _tokenIds)];
            var ws = _workspace;
            ws.EnsureCapacity(tokens, 1, 1);
            ws.PlaceTokens(chunks, _rope);
            long values = (long)tokens * _config.HiddenSize;
            Buffer.MemoryCopy(hidden, ws.Hidden, values * sizeof(float), values * sizeof(float));
            if (_layer.Forward(ws, tokens, chunks, cache, stopAfter, observe))
                Buffer.MemoryCopy(ws.Hidden, hidden, values * sizeof(float), values * sizeof(float));
        }
        finally
        {
            cache.Release(sequence);
        }
    }

    // One layer, one block of `tokens` slots, made again when the sequence length changes.
    private PagedKvCache CacheFor(int tokens)
    {
        if (_cache is null || _cache.BlockSize != tokens)
        {
            _cache?.Dispose();
            _cache = new PagedKvCache(1, _config.NumKeyValueHeads, _config.HeadDim, tokens, 1);
            _tokenIds = new int[tokens];
        }

        return _cache;
    }

    public void Dispose()
    {
        _layer.Dispose();
        _workspace.Dispose();
        _cache?.Dispose();
    }

    /// <summary>y = x W^T (+ b) over an fp32 weight that calibration replaces once the projection is quantized.</summary>
    private sealed class ReplaceableLinear(float[] weight, float[]? bias, int inFeatures, int outFeatures) : ILinear
    {
        public float[] Weight { get; set; } = weight;

        public int InFeatures => inFeatures;

        public int OutFeatures => outFeatures;

        public long WeightBytes => (long)Weight.Length * sizeof(float);

        public void Forward(float* input, float* output, int rows)
        {
            fixed (float* w = Weight)
                MatMul.F32(input, w, output, rows, outFeatures, inFeatures);
            if (bias is null)
                return;
            for (int t = 0; t < rows; t++)
            {
                var y = new Span<float>(output + (long)t * outFeatures, outFeatures);
                VectorOps.Add(y, bias, y);
            }
        }

        public void Dispose()
        {
        }
    }
}
