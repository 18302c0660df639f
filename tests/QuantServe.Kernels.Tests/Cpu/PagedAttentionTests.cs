using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Tests.Cpu;

[Collection(KernelThreadsCollection.Name)]
public sealed unsafe class PagedAttentionTests
{
    [Theory]
    [InlineData(4, 4, 8, 4, 1, 0)]      // one decode token, MHA
    [InlineData(8, 2, 16, 4, 7, 0)]     // GQA 4:1, a 7-token chunk
    [InlineData(6, 3, 12, 5, 9, 3)]     // odd head_dim and block size, sliding window of 3
    [InlineData(2, 1, 64, 16, 40, 0)]   // MQA, blocks of 16, long context
    public void Compute_MatchesTheFloat64Reference(int heads, int kvHeads, int headDim, int blockSize, int tokens, int window)
    {
        var random = new Random(heads * 100 + tokens);
        const int blocks = 24;
        int context = tokens + 13; // positions 0..context-1; the last `tokens` of them are the queries
        var keys = RandomArray(random, blocks * kvHeads * blockSize * headDim);
        var values = RandomArray(random, keys.Length);
        // A scattered block table: the sequence's blocks are not contiguous in the pool.
        var table = Enumerable.Range(0, blocks).OrderBy(_ => random.Next()).Take((context + blockSize - 1) / blockSize).ToArray();
        var queries = RandomArray(random, tokens * heads * headDim);
        var starts = new int[tokens];
        var positions = Enumerable.Range(context - tokens, tokens).ToArray();
        var windows = positions.Select(p => window > 0 ? Math.Max(0, p - window + 1) : 0).ToArray();
        var simd = new float[queries.Length];
        var reference = new float[queries.Length];

        fixed (float* k = keys, v = values, q = queries, o1 = simd, o2 = reference)
        fixed (int* t = table, s = starts, p = positions, w = windows)
        {
            var batch = new PagedAttentionBatch
            {
                Queries = q, KeyCache = k, ValueCache = v, BlockTables = t, BlockTableStarts = s, Positions = p, WindowStarts = w,
                Tokens = tokens, Heads = heads, KvHeads = kvHeads, HeadDim = headDim, BlockSize = blockSize,
            };
            batch.Output = o1;
            PagedAttention.Compute(batch);
            batch.Output = o2;
            PagedAttention.Reference(batch);
        }
        // Each output is a convex combination of values in [-1, 1]: an absolute bound suits it.
        for (int i = 0; i < simd.Length; i++)
            Math.Abs(simd[i] - reference[i]).Should().BeLessThan(2e-6f, $"element {i}");
    }

    [Fact]
    public void AWindowThatDoesNotContainTheQuery_IsRejected()
    {
        int[] positions = [3], windows = [4], table = [0], starts = [0];
        var data = new float[64];
        fixed (float* d = data)
        fixed (int* p = positions, w = windows, t = table, s = starts)
        {
            var batch = new PagedAttentionBatch
            {
                Queries = d, Output = d, KeyCache = d, ValueCache = d, BlockTables = t, BlockTableStarts = s, Positions = p, WindowStarts = w,
                Tokens = 1, Heads = 1, KvHeads = 1, HeadDim = 4, BlockSize = 4,
            };
            var act = () => PagedAttention.Compute(batch);
            act.Should().Throw<ArgumentException>().WithMessage("*window [4, 3]*");
        }
    }

    private static float[] RandomArray(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}
