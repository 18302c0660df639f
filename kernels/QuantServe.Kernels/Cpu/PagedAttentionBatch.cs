namespace QuantServe.Kernels.Cpu;

/// <summary>
/// One layer's attention work for a batch of tokens from many sequences over a paged KV cache.
/// Cache layout (fp32): [block][kv_head][slot][head_dim]; a token at <c>Positions[t]</c> attends to
/// positions [WindowStarts[t], Positions[t]] of its own sequence, found through its block table.
/// </summary>
public unsafe struct PagedAttentionBatch
{
    /// <summary>[tokens, heads * head_dim], already rotated.</summary>
    public float* Queries;

    /// <summary>[tokens, heads * head_dim].</summary>
    public float* Output;

    public float* KeyCache;
    public float* ValueCache;

    /// <summary>Every sequence's block ids, concatenated; token t's table starts at BlockTableStarts[t].</summary>
    public int* BlockTables;
    public int* BlockTableStarts;
    public int* Positions;
    public int* WindowStarts;

    public int Tokens;
    public int Heads;
    public int KvHeads;
    public int HeadDim;
    public int BlockSize;
}
