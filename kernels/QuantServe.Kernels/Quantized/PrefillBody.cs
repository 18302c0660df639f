using System.Buffers;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Prefill (many activation rows) for weight-only formats: each task dequantizes <see cref="BlockRows"/>
/// weight rows into a small fp32 buffer that stays in L2 (16 x 4096 floats = 256 KiB) and multiplies all
/// activation rows with it through the fp32 GEMM tile of <see cref="MatMul"/>, which then runs inline on
/// this thread. The full fp32 W is never built; decoding costs one pass over the weights instead of
/// ceil(m / 4), and the FMA work gets the dense kernel's register tiling.
/// </summary>
internal unsafe struct PrefillBody<TDot> : IRangeBody
    where TDot : struct, IRowDequantizer
{
    /// <summary>
    /// Activation rows from which this path beats the row-tile kernels: with 4 rows the tile kernels
    /// become L2-bound on activation loads (one load per FMA), measured on AVX-512 at m = 2 / 4 / 8.
    /// </summary>
    public const int MinRows = 4;

    public const int BlockRows = 16;

    public TDot Kernel;
    public float* X;
    public float* Y;
    public int M;
    public int N;
    public int K;

    public static void Run(TDot kernel, float* x, float* y, int m, int n, int k)
    {
        int blocks = (n + BlockRows - 1) / BlockRows;
        KernelThreads.For(blocks, new PrefillBody<TDot> { Kernel = kernel, X = x, Y = y, M = m, N = n, K = k });
    }

    public void Run(int start, int end)
    {
        float[] weights = ArrayPool<float>.Shared.Rent(BlockRows * K);
        float[] outputs = ArrayPool<float>.Shared.Rent(M * BlockRows);
        try
        {
            fixed (float* w = weights)
            fixed (float* o = outputs)
            {
                for (int block = start; block < end; block++)
                {
                    int first = block * BlockRows;
                    int rows = Math.Min(BlockRows, N - first);
                    for (int r = 0; r < rows; r++)
                    {
                        Kernel.DequantizeRow(first + r, w + ((long)r * K));
                    }

                    MatMul.F32(X, w, o, M, rows, K);
                    for (int i = 0; i < M; i++)
                    {
                        new ReadOnlySpan<float>(o + ((long)i * rows), rows).CopyTo(new Span<float>(Y + ((long)i * N) + first, rows));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(weights);
            ArrayPool<float>.Shared.Return(outputs);
        }
    }
}
