namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// Scalar dequantizers written from each format's documented layout (the CPU twins live on branches
/// wt-quant-load / wt-quant-pre and document the same layouts): W [N, K] as fp32, and y = W x in float64.
/// </summary>
internal static class QuantizedReference
{
    public static readonly int[] AwqOrder = [0, 2, 4, 6, 1, 3, 5, 7];

    public static double[] Gemv(float[] w, float[] x, int n, int k)
    {
        var y = new double[n];
        for (int r = 0; r < n; r++)
        {
            double sum = 0;
            for (int c = 0; c < k; c++)
                sum += (double)w[(long)r * k + c] * x[c];
            y[r] = sum;
        }

        return y;
    }

    /// <summary>Sum of |w x| per row: the scale a float32 accumulation error is measured against.</summary>
    public static double[] Magnitude(float[] w, float[] x, int n, int k)
    {
        var m = new double[n];
        for (int r = 0; r < n; r++)
        {
            double sum = 0;
            for (int c = 0; c < k; c++)
                sum += Math.Abs((double)w[(long)r * k + c] * x[c]);
            m[r] = sum;
        }

        return m;
    }

    /// <summary>float8 e4m3fn by definition: E = 0 subnormal M/8 * 2^-6, else (1 + M/8) * 2^(E-7).</summary>
    public static float E4M3(byte code)
    {
        int e = (code >> 3) & 15, m = code & 7;
        float magnitude = e == 0 ? m / 8f * MathF.Pow(2, -6) : (1 + m / 8f) * MathF.Pow(2, e - 7);
        return (code & 0x80) != 0 ? -magnitude : magnitude;
    }

    public static float[] Int8(sbyte[] codes, float[] scales, int n, int k) =>
        Enumerable.Range(0, n * k).Select(e => codes[e] * scales[e / k]).ToArray();

    public static float[] Fp8(byte[] codes, float[] scales, int n, int k) =>
        Enumerable.Range(0, n * k).Select(e => E4M3(codes[e]) * scales[e / k]).ToArray();

    /// <summary>bitsandbytes 4-bit: element e in byte e/2, high nibble when e is even; times its block's absmax.</summary>
    public static float[] Bnb4(byte[] packed, float[] codebook, float[] absmax, int blockSize, int n, int k)
    {
        var w = new float[n * k];
        for (int e = 0; e < w.Length; e++)
        {
            int code = e % 2 == 0 ? packed[e / 2] >> 4 : packed[e / 2] & 15;
            w[e] = codebook[code] * absmax[e / blockSize];
        }

        return w;
    }

    /// <summary>GPTQ: q[k, n] at bits (k % P) * b of qweight[k / P, n]; zero + offset; group g_idx[k] or k / groupSize.</summary>
    public static float[] Gptq(int[] qweight, int[] qzeros, Half[] scales, int[]? gIdx, int groupSize, int bits, int zeroOffset, int n, int k)
    {
        int p = 32 / bits, mask = (1 << bits) - 1;
        var w = new float[n * k];
        for (int row = 0; row < k; row++)
        {
            int g = gIdx is null ? row / groupSize : gIdx[row];
            for (int col = 0; col < n; col++)
            {
                int q = (int)((uint)qweight[row / p * n + col] >> (row % p * bits)) & mask;
                int z = ((int)((uint)qzeros[g * (n / p) + col / p] >> (col % p * bits)) & mask) + zeroOffset;
                w[col * k + row] = (float)scales[g * n + col] * (q - z);
            }
        }

        return w;
    }

    /// <summary>AWQ: column 8j + Order[i] in nibble i of word (k, j); zeros packed the same way.</summary>
    public static float[] Awq(int[] qweight, int[] qzeros, Half[] scales, int groupSize, int n, int k)
    {
        var w = new float[n * k];
        int words = n / 8;
        for (int row = 0; row < k; row++)
        {
            int g = row / groupSize;
            for (int j = 0; j < words; j++)
            {
                for (int i = 0; i < 8; i++)
                {
                    int col = 8 * j + AwqOrder[i];
                    int q = (int)((uint)qweight[row * words + j] >> (4 * i)) & 15;
                    int z = (int)((uint)qzeros[g * words + j] >> (4 * i)) & 15;
                    w[col * k + row] = (float)scales[g * n + col] * (q - z);
                }
            }
        }

        return w;
    }

    /// <summary>
    /// EXL2: group g (bits b, first word start) holds stored rows as a bit stream down each column; the last group
    /// takes the rows left; W[n, i] = fp16((qs + 1)^2 * fp16(max / 256)) * (q - 2^(b-1)) for stored row invperm[i].
    /// </summary>
    public static float[] Exl2(int[] qWeight, int[] qScale, Half[] qScaleMax, short[] qGroups, short[] qInvperm, int n, int k)
    {
        int groups = qGroups.Length / 2, wordRows = qWeight.Length / n;
        var groupOf = new int[k];
        var rowInGroup = new int[k];
        var firstWord = new int[groups];
        var bits = new int[groups];
        for (int g = 0, row = 0; g < groups; g++)
        {
            bits[g] = qGroups[2 * g];
            firstWord[g] = (ushort)qGroups[2 * g + 1];
            int end = g + 1 < groups ? (ushort)qGroups[2 * g + 3] : wordRows;
            int rows = g + 1 < groups ? (end - firstWord[g]) * 32 / bits[g] : k - row;
            for (int r = 0; r < rows; r++, row++)
            {
                groupOf[row] = g;
                rowInGroup[row] = r;
            }
        }

        var w = new float[n * k];
        for (int i = 0; i < k; i++)
        {
            int stored = (ushort)qInvperm[i], g = groupOf[stored], b = bits[g];
            float max = (float)(Half)((float)qScaleMax[g] / 256f);
            for (int c = 0; c < n; c++)
            {
                long bit = (long)rowInGroup[stored] * b;
                long word = firstWord[g] + (bit >> 5);
                int shift = (int)(bit & 31);
                ulong pair = (uint)qWeight[word * n + c];
                if (shift + b > 32)
                    pair |= (ulong)(uint)qWeight[(word + 1) * n + c] << 32;
                int q = (int)((pair >> shift) & ((1u << b) - 1));
                uint qs = ((uint)qScale[g * (n / 8) + c / 8] >> (4 * (c % 8))) & 15;
                float scale = (float)(Half)((qs + 1) * (qs + 1) * max);
                w[c * k + i] = scale * (q - (1 << (b - 1)));
            }
        }

        return w;
    }

    /// <summary>Random EXL2 tensors: groups of <paramref name="groupRows"/> rows cycling through every bit width, a random permutation.</summary>
    public static (int[] QWeight, int[] QScale, Half[] QScaleMax, short[] QGroups, short[] QInvperm) RandomExl2(Random random, int n, int k, int groupRows)
    {
        int[] widths = [4, 3, 2, 5, 6, 8];
        int groups = k / groupRows;
        var qGroups = new short[2 * groups];
        int words = 0;
        for (int g = 0; g < groups; g++)
        {
            int b = widths[g % widths.Length];
            qGroups[2 * g] = (short)b;
            qGroups[2 * g + 1] = (short)words;
            words += groupRows * b / 32;
        }

        int[] qWeight = Enumerable.Range(0, words * n).Select(_ => random.Next() ^ (random.Next() << 1)).ToArray();
        int[] qScale = Enumerable.Range(0, groups * n / 8).Select(_ => random.Next() ^ (random.Next() << 1)).ToArray();
        Half[] qScaleMax = Enumerable.Range(0, groups).Select(_ => (Half)(random.NextDouble() * 0.1 + 0.01)).ToArray();
        short[] invperm = Enumerable.Range(0, k).Select(i => (short)i).OrderBy(_ => random.Next()).ToArray();
        return (qWeight, qScale, qScaleMax, qGroups, invperm);
    }
}
