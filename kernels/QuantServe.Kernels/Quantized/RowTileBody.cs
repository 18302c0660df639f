using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Splits y[m x n] = x[m x k] W^T over output features for <see cref="KernelThreads"/>: each weight row is
/// decoded once per tile of up to four activation rows while it sits in L1, so decoding costs
/// ceil(m / 4) passes and the packed weights stream from memory once per call.
/// </summary>
internal unsafe struct RowTileBody<TDot> : IRangeBody
    where TDot : struct, IRowDot
{
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
        for (int j = start; j < end; j++)
        {
            int r = 0;
            for (; r + 4 <= M; r += 4)
            {
                Kernel.Dot<FourRows>(j, r, Y + ((long)r * N) + j, N);
            }

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
