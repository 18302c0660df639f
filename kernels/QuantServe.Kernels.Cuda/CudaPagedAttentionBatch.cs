namespace QuantServe.Kernels.Cuda;

/// <summary>
/// One layer's attention work on the GPU, the same shape as the CPU's PagedAttentionBatch: cache fp32
/// [block][kv_head][slot][head_dim]; token t at Positions[t] attends to [WindowStarts[t], Positions[t]] of its
/// sequence through BlockTables[BlockTableStarts[t] + p / BlockSize].
/// </summary>
public sealed class CudaPagedAttentionBatch
{
    /// <summary>[tokens, heads * head_dim], already rotated.</summary>
    public required DeviceBuffer<float> Queries { get; init; }

    /// <summary>[tokens, heads * head_dim].</summary>
    public required DeviceBuffer<float> Output { get; init; }

    public required DeviceBuffer<float> KeyCache { get; init; }

    public required DeviceBuffer<float> ValueCache { get; init; }

    public required DeviceBuffer<int> BlockTables { get; init; }

    public required DeviceBuffer<int> BlockTableStarts { get; init; }

    public required DeviceBuffer<int> Positions { get; init; }

    public required DeviceBuffer<int> WindowStarts { get; init; }

    public required int Tokens { get; init; }

    public required int Heads { get; init; }

    public required int KvHeads { get; init; }

    /// <summary>A multiple of 32, at most 256.</summary>
    public required int HeadDim { get; init; }

    public required int BlockSize { get; init; }
}
