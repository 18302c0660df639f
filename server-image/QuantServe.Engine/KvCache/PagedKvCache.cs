using QuantServe.Engine.Weights;

namespace QuantServe.Engine.KvCache;

/// <summary>
/// A pool of fixed-size blocks holding keys and values for every layer, shared by all sequences
/// (vLLM/TGI's paged attention): a sequence grows one block at a time, so sequences of very different
/// lengths share one budget without fragmentation. Layout of one layer's K (and V) pool, fp32:
/// [block][kv_head][slot][head_dim].
/// </summary>
public sealed unsafe class PagedKvCache : IDisposable
{
    private readonly NativeBuffer[] _keys;
    private readonly NativeBuffer[] _values;
    private readonly Stack<int> _free;

    public PagedKvCache(int layers, int kvHeads, int headDim, int blockSize, int blockCount)
    {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || blockSize <= 0 || blockCount <= 0)
            throw new ArgumentException("every dimension of the KV cache must be positive");
        Layers = layers;
        KvHeads = kvHeads;
        HeadDim = headDim;
        BlockSize = blockSize;
        BlockCount = blockCount;
        long floatsPerLayer = (long)blockCount * BlockStride;
        _keys = new NativeBuffer[layers];
        _values = new NativeBuffer[layers];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = new NativeBuffer(floatsPerLayer * sizeof(float));
            _values[l] = new NativeBuffer(floatsPerLayer * sizeof(float));
        }
        _free = new Stack<int>(Enumerable.Range(0, blockCount).Reverse());
    }

    public int Layers { get; }
    public int KvHeads { get; }
    public int HeadDim { get; }
    public int BlockSize { get; }
    public int BlockCount { get; }
    public int FreeBlocks => _free.Count;

    /// <summary>Floats in one block of one layer: kv_heads x block_size x head_dim.</summary>
    public int BlockStride => KvHeads * BlockSize * HeadDim;

    public long Bytes => 2L * Layers * BlockCount * BlockStride * sizeof(float);

    public float* Keys(int layer) => (float*)_keys[layer].Pointer;
    public float* Values(int layer) => (float*)_values[layer].Pointer;

    public static int BlocksFor(int tokens, int blockSize) => (tokens + blockSize - 1) / blockSize;

    /// <summary>Blocks still needed for <paramref name="sequence"/> to hold <paramref name="totalTokens"/>.</summary>
    public int BlocksNeeded(KvSequence sequence, int totalTokens) =>
        Math.Max(0, BlocksFor(totalTokens, BlockSize) - sequence.BlockCount);

    /// <summary>Grows the sequence to room for <paramref name="totalTokens"/>; all or nothing.</summary>
    public bool TryReserve(KvSequence sequence, int totalTokens)
    {
        ObjectDisposedException.ThrowIf(sequence.Released, sequence);
        int needed = BlocksNeeded(sequence, totalTokens);
        if (needed > _free.Count)
            return false;
        for (int i = 0; i < needed; i++)
            sequence.Blocks.Add(_free.Pop());
        return true;
    }

    /// <summary>Returns the sequence's blocks to the pool; the sequence cannot be used again.</summary>
    public void Release(KvSequence sequence)
    {
        if (sequence.Released)
            return;
        foreach (var block in sequence.Blocks)
            _free.Push(block);
        sequence.Blocks.Clear();
        sequence.Length = 0;
        sequence.Released = true;
    }

    /// <summary>Where position <paramref name="position"/> of <paramref name="kvHead"/> lives within a layer's pool.</summary>
    public long Offset(KvSequence sequence, int position, int kvHead)
    {
        int block = sequence.Blocks[position / BlockSize];
        return (long)block * BlockStride + ((long)kvHead * BlockSize + position % BlockSize) * HeadDim;
    }

    public void Dispose()
    {
        foreach (var buffer in _keys)
            buffer.Dispose();
        foreach (var buffer in _values)
            buffer.Dispose();
    }
}
