using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Models;

/// <summary>
/// Activation buffers for one forward step, sized for the largest step seen so far: they grow when a
/// bigger batch arrives and are reused otherwise, so the decode loop allocates nothing.
/// </summary>
internal sealed unsafe class ForwardWorkspace(ModelConfig config) : IDisposable
{
    private readonly List<NativeBuffer> _buffers = [];

    public int TokenCapacity { get; private set; }
    public int LogitRowCapacity { get; private set; }

    public float* Hidden, Normed, Query, Key, Value, Attention, Projected, Gate, Up, Cos, Sin, Logits, LogitInput;
    public int[] Positions = [], WindowStarts = [], BlockTableStarts = [], BlockTables = [], LogitRows = [];

    public void EnsureCapacity(int tokens, int logitRows, int blockTableEntries)
    {
        if (tokens > TokenCapacity)
        {
            foreach (var b in _buffers)
                b.Dispose();
            _buffers.Clear();
            int capacity = Math.Max(tokens, TokenCapacity * 2);
            int h = config.HiddenSize, q = config.NumAttentionHeads * config.HeadDim, kv = config.NumKeyValueHeads * config.HeadDim;
            Hidden = Allocate(capacity, h);
            Normed = Allocate(capacity, h);
            Query = Allocate(capacity, q);
            Key = Allocate(capacity, kv);
            Value = Allocate(capacity, kv);
            Attention = Allocate(capacity, q);
            Projected = Allocate(capacity, h);
            Gate = Allocate(capacity, config.IntermediateSize);
            Up = Allocate(capacity, config.IntermediateSize);
            Cos = Allocate(capacity, config.HeadDim / 2);
            Sin = Allocate(capacity, config.HeadDim / 2);
            LogitInput = Allocate(capacity, h);
            Positions = new int[capacity];
            WindowStarts = new int[capacity];
            BlockTableStarts = new int[capacity];
            LogitRows = new int[capacity];
            TokenCapacity = capacity;
            LogitRowCapacity = 0;
        }
        if (logitRows > LogitRowCapacity)
        {
            int rows = Math.Max(logitRows, Math.Min(TokenCapacity, LogitRowCapacity * 2));
            Logits = Allocate(rows, config.VocabSize);
            LogitRowCapacity = rows;
        }
        if (blockTableEntries > BlockTables.Length)
            BlockTables = new int[Math.Max(blockTableEntries, BlockTables.Length * 2)];
    }

    /// <summary>
    /// Per-token bookkeeping every layer reads, for the chunks' new tokens in order: positions, sliding-window
    /// starts, rotary tables, each sequence's block table and the rows whose logits are wanted. The caller
    /// has reserved the cache blocks and sized the workspace (<see cref="EnsureCapacity"/>).
    /// </summary>
    public void PlaceTokens(ReadOnlySpan<SequenceChunk> chunks, RotaryEmbedding rope)
    {
        int half = config.HeadDim / 2, t = 0, logitRow = 0, table = 0;
        foreach (var chunk in chunks)
        {
            var seq = chunk.Sequence;
            int start = table;
            foreach (var block in seq.Blocks)
                BlockTables[table++] = block;
            int tokens = chunk.Tokens.Length, sequenceLength = seq.Length + tokens;
            for (int i = 0; i < tokens; i++, t++)
            {
                int position = seq.Length + i;
                Positions[t] = position;
                WindowStarts[t] = config.SlidingWindow is int w ? Math.Max(0, position - w + 1) : 0;
                BlockTableStarts[t] = start;
                rope.CosSin(position, sequenceLength, new Span<float>(Cos + (long)t * half, half), new Span<float>(Sin + (long)t * half, half));
                if (chunk.AllLogits || i == tokens - 1)
                    LogitRows[logitRow++] = t;
            }
        }
    }

    private float* Allocate(int rows, int cols)
    {
        var buffer = new NativeBuffer((long)rows * cols * sizeof(float));
        _buffers.Add(buffer);
        return (float*)buffer.Pointer;
    }

    public void Dispose()
    {
        foreach (var b in _buffers)
            b.Dispose();
        _buffers.Clear();
        TokenCapacity = LogitRowCapacity = 0;
    }
}
