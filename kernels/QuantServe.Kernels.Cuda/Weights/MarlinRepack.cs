using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>
/// Native Marlin checkpoints (IST-DASLab marlin <c>Layer.pack</c>; MarlinFormat on the CPU), 4-bit symmetric, group
/// size -1 or 128: <c>B</c> int32 [K/16, 2N] holds W^T's 16 x 16 tiles (codes q = round(w/s) + 8), tile row t holding
/// input rows 16t..16t+15 tile by tile (tile j at positions 256j.., row-major inside), every 1024 positions shuffled
/// by <see cref="Permutation"/> (position p takes position Permutation[p]), 8 positions per word, lowest nibble
/// first; <c>s</c> fp16 [G, N] shuffled in chunks of 64 (<see cref="ScalePermutation"/>) or, with one group, 32
/// (<see cref="SingleScalePermutation"/>). W[n, k] = s[g, n] * (q - 8).
/// Marlin's layout serves its tensor-core GEMM; for batch-1 decoding the weights are repacked losslessly at load
/// into GPTQ's layout (zero 8, no offset) and run by the gptq GEMV, which reads the same number of bytes.
/// </summary>
public static class MarlinRepack
{
    private const int Tile = 16;

    // Marlin's shuffles, as the CPU twin defines them (one definition for both backends).
    public static readonly int[] Permutation = MarlinFormat.Permutation;
    public static readonly int[] ScalePermutation = MarlinFormat.ScalePermutation;
    public static readonly int[] SingleScalePermutation = MarlinFormat.SingleScalePermutation;

    /// <summary>GPTQ tensors (qweight [K/8, N], qzeros [G, N/8] all 8, scales [G, N]) holding the same weights as B and s.</summary>
    public static (int[] QWeight, int[] QZeros, Half[] Scales) ToGptq(int inFeatures, int outFeatures, int groupSize, ReadOnlySpan<int> b, ReadOnlySpan<Half> s)
    {
        int k = inFeatures, n = outFeatures;
        const string format = "marlin";
        ShapeChecks.Positive(format, k, n);
        ShapeChecks.Multiple(format, "in_features", k, Tile, "Marlin stores 16-row tiles");
        ShapeChecks.Multiple(format, "out_features", n, 64, "Marlin's 1024-position shuffle needs it");
        if (groupSize != -1 && groupSize != 128 && groupSize != k)
            throw new ArgumentException($"{format}: group size {groupSize} is not supported; use -1 or 128");
        int groups = groupSize == 128 ? k / 128 : 1;
        if (groupSize == 128)
            ShapeChecks.Multiple(format, "in_features", k, 128, "group size 128");
        ShapeChecks.Length(format, "B", b.Length, (long)k / Tile * 2 * n, $"[{k / Tile}, {2 * n}]");
        ShapeChecks.Length(format, "s", s.Length, (long)groups * n, $"[{groups}, {n}]");

        var inverse = new int[Permutation.Length];
        for (int j = 0; j < Permutation.Length; j++)
            inverse[Permutation[j]] = j;
        var qweight = new int[k / 8 * n];
        for (int row = 0; row < k; row++)
        {
            long tileRow = row / Tile;
            for (int column = 0; column < n; column++)
            {
                int p = column / Tile * 256 + row % Tile * Tile + column % Tile;
                int shuffled = p / 1024 * 1024 + inverse[p % 1024];
                uint code = ((uint)b[(int)(tileRow * 2 * n) + shuffled / 8] >> (4 * (shuffled % 8))) & 0xF;
                qweight[row / 8 * n + column] |= (int)(code << (4 * (row % 8)));
            }
        }

        var scales = new Half[groups * n];
        int[] scalePermutation = groups > 1 ? ScalePermutation : SingleScalePermutation;
        int chunk = scalePermutation.Length;
        for (int i = 0; i < s.Length; i++)
            scales[i / chunk * chunk + scalePermutation[i % chunk]] = s[i];
        var qzeros = new int[groups * n / 8];
        Array.Fill(qzeros, unchecked((int)0x88888888u));
        return (qweight, qzeros, scales);
    }

    /// <summary>Repacks and uploads: the result runs through <see cref="CudaKernels.Gemv"/> as gptq 4-bit.</summary>
    public static GptqDeviceWeights Upload(CudaDevice device, int outFeatures, int inFeatures, int groupSize, ReadOnlySpan<int> b, ReadOnlySpan<Half> s)
    {
        var (qweight, qzeros, scales) = ToGptq(inFeatures, outFeatures, groupSize, b, s);
        return GptqDeviceWeights.Upload(device, 4, groupSize == 128 ? 128 : -1, zeroMinusOne: false, outFeatures, inFeatures, qweight, qzeros, scales, []);
    }
}
