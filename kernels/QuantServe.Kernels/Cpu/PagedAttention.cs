using System.Buffers;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Causal grouped-query attention over a paged KV cache: softmax(q k^T / sqrt(d)) v per (token, head),
/// query head h reading KV head h / (heads / kv_heads). Threaded over (token, head) pairs.
/// </summary>
public static unsafe class PagedAttention
{
    // Scores up to this many positions live on the stack; longer contexts rent a pooled array.
    private const int StackScores = 4096;

    public static void Compute(in PagedAttentionBatch batch)
    {
        Validate(batch);
        KernelThreads.For(batch.Tokens * batch.Heads, new Body { Batch = batch });
    }

    private struct Body : IRangeBody
    {
        public PagedAttentionBatch Batch;

        public readonly void Run(int start, int end) => Range(Batch, start, end);
    }

    /// <summary>The same computation on one thread, scalar, in float64: the reference the kernel is tested against.</summary>
    public static void Reference(in PagedAttentionBatch b)
    {
        Validate(b);
        int group = b.Heads / b.KvHeads;
        double scale = 1.0 / Math.Sqrt(b.HeadDim);
        for (int t = 0; t < b.Tokens; t++)
        {
            for (int h = 0; h < b.Heads; h++)
            {
                float* q = b.Queries + ((long)t * b.Heads + h) * b.HeadDim;
                int first = b.WindowStarts[t], last = b.Positions[t];
                var scores = new double[last - first + 1];
                double max = double.NegativeInfinity;
                for (int p = first; p <= last; p++)
                {
                    float* k = b.KeyCache + Offset(b, t, p, h / group);
                    double dot = 0;
                    for (int d = 0; d < b.HeadDim; d++)
                        dot += (double)q[d] * k[d];
                    scores[p - first] = dot * scale;
                    max = Math.Max(max, scores[p - first]);
                }
                double sum = 0;
                for (int i = 0; i < scores.Length; i++)
                    sum += scores[i] = Math.Exp(scores[i] - max);
                var output = new double[b.HeadDim];
                for (int p = first; p <= last; p++)
                {
                    float* v = b.ValueCache + Offset(b, t, p, h / group);
                    for (int d = 0; d < b.HeadDim; d++)
                        output[d] += scores[p - first] / sum * v[d];
                }
                float* o = b.Output + ((long)t * b.Heads + h) * b.HeadDim;
                for (int d = 0; d < b.HeadDim; d++)
                    o[d] = (float)output[d];
            }
        }
    }

    private static void Range(in PagedAttentionBatch b, int start, int end)
    {
        int group = b.Heads / b.KvHeads;
        float scale = 1f / MathF.Sqrt(b.HeadDim);
        int longest = 0;
        for (int item = start; item < end; item++)
            longest = Math.Max(longest, b.Positions[item / b.Heads] - b.WindowStarts[item / b.Heads] + 1);
        // One scratch row per range, sized for its longest context: on the stack unless very long.
        float[]? rented = longest > StackScores ? ArrayPool<float>.Shared.Rent(longest) : null;
        Span<float> scratch = rented is null ? stackalloc float[longest] : rented;
        for (int item = start; item < end; item++)
        {
            int t = item / b.Heads, h = item % b.Heads, kvHead = h / group;
            int first = b.WindowStarts[t], count = b.Positions[t] - first + 1;
            var q = new ReadOnlySpan<float>(b.Queries + (long)item * b.HeadDim, b.HeadDim);
            var output = new Span<float>(b.Output + (long)item * b.HeadDim, b.HeadDim);
            var scores = scratch[..count];
            for (int i = 0; i < count; i++)
                scores[i] = VectorOps.Dot(q, new ReadOnlySpan<float>(b.KeyCache + Offset(b, t, first + i, kvHead), b.HeadDim)) * scale;
            Softmax.Apply(scores);
            output.Clear();
            for (int i = 0; i < count; i++)
                VectorOps.Axpy(scores[i], new ReadOnlySpan<float>(b.ValueCache + Offset(b, t, first + i, kvHead), b.HeadDim), output);
        }
        if (rented is not null)
            ArrayPool<float>.Shared.Return(rented);
    }

    private static long Offset(in PagedAttentionBatch b, int token, int position, int kvHead)
    {
        int block = b.BlockTables[b.BlockTableStarts[token] + position / b.BlockSize];
        return ((long)block * b.KvHeads + kvHead) * b.BlockSize * b.HeadDim + (long)(position % b.BlockSize) * b.HeadDim;
    }

    private static void Validate(in PagedAttentionBatch b)
    {
        if (b.Tokens < 0 || b.Heads <= 0 || b.KvHeads <= 0 || b.Heads % b.KvHeads != 0 || b.HeadDim <= 0 || b.BlockSize <= 0)
            throw new ArgumentException($"invalid attention shape: tokens {b.Tokens}, heads {b.Heads}, kv heads {b.KvHeads}, head dim {b.HeadDim}, block size {b.BlockSize}");
        for (int t = 0; t < b.Tokens; t++)
        {
            if (b.WindowStarts[t] < 0 || b.WindowStarts[t] > b.Positions[t])
                throw new ArgumentException($"token {t}: window [{b.WindowStarts[t]}, {b.Positions[t]}] is empty or negative");
        }
    }
}
