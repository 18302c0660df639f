using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Splits y[m x n] = x[m x k] W^T over output features for <see cref="KernelThreads"/>. Each thread walks
/// its output features in blocks of <see cref="FeatureBlock"/> weight rows; within a block every tile of
/// up to four activation rows meets every weight row, so the block's packed rows (at most 32 x k bytes)
/// and one activation tile (4 x k floats) stay in L2 while the packed weights stream from memory once per
/// call. Decoding costs ceil(m / 4) passes over the weights; for decode (m = 1) it is a plain GEMV.
/// </summary>
internal unsafe struct RowTileBody<TDot> : IRangeBody
    where TDot : struct, IRowDot
{
    /// <summary>Weight rows per block: 32 rows of 4096 int8 codes are 128 KiB, next to a 64 KiB activation tile.</summary>
    public const int FeatureBlock = 32;

    public TDot Kernel;
    public float* Y;
    public int M;
    public int N;

    public static void Run(TDot kernel, float* y, int m, int n)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        KernelThreads.For(n, new RowTileBody<TDot> { Kernel = kernel, Y = y, M = m, N = n });
    }

    public void Run(int start, int end)
    {
        for (int first = start; first < end; first += FeatureBlock)
        {
            int last = Math.Min(end, first + FeatureBlock);
            int r = 0;
            for (; r + 4 <= M; r += 4)
            {
                for (int j = first; j < last; j++)
                {
                    Kernel.Dot<FourRows>(j, r, Y + ((long)r * N) + j, N);
                }
            }

            for (int j = first; j < last; j++)
            {
                float* y = Y + ((long)r * N) + j;
                switch (M - r)
                {
                    case 3: Kernel.Dot<ThreeRows>(j, r, y, N); break;
                    case 2: Kernel.Dot<TwoRows>(j, r, y, N); break;
                    case 1: Kernel.Dot<OneRow>(j, r, y, N); break;
                }
            }
        }
    }
}
