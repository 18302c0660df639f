namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Native Marlin checkpoints (IST-DASLab/marlin <c>Layer.pack</c>), 4-bit symmetric, K = in_features,
/// N = out_features, group size -1 or 128:
/// <list type="bullet">
/// <item><c>B</c> int32 [K/16, 2N]: W^T [K, N] (codes q = round(w/s) + 8) is cut into 16 x 16 tiles; row t of
/// B holds the tiles of input rows 16t..16t+15, tile by tile (tile j at positions 256j.., inside a tile
/// row-major). Each 1024 positions are then shuffled by <see cref="Permutation"/> (position p of the
/// result takes position Permutation[p]) and 8 consecutive positions become one word, the first in
/// the lowest nibble.</item>
/// <item><c>s</c> fp16 [G, N] (G = 1 or K/128): the scales, each 64 (grouped) or 32 (G = 1) consecutive
/// values shuffled by <see cref="ScalePermutation"/> / <see cref="SingleScalePermutation"/>.</item>
/// </list>
/// W[n, k] = s[g, n] * (q - 8). The 2:4 sparse variant (marlin_24: B_24, B_meta) is not supported.
/// </summary>
public static unsafe class MarlinFormat
{
    public const int Tile = 16;

    public static readonly int[] Permutation = BuildPermutation();
    public static readonly int[] ScalePermutation = BuildScalePermutation();
    public static readonly int[] SingleScalePermutation = BuildSingleScalePermutation();

    public static GptqMatrix Create(int inFeatures, int outFeatures, int groupSize, ReadOnlySpan<int> b, ReadOnlySpan<Half> s)
    {
        int k = inFeatures, n = outFeatures;
        if (k <= 0 || n <= 0)
            throw new ArgumentException($"shape [{n}, {k}] is empty");
        if (k % Tile != 0)
            throw new ArgumentException($"in_features {k} is not a multiple of {Tile}; Marlin stores 16-row tiles", "B");
        if (n % 64 != 0)
            throw new ArgumentException($"out_features {n} is not a multiple of 64; Marlin's 1024-position shuffle needs it", "B");
        if (groupSize != -1 && groupSize != 128 && groupSize != k)
            throw new ArgumentException($"marlin group size {groupSize} is not supported; use -1 or 128", "s");
        int groups = groupSize == 128 ? k / 128 : 1;
        if (groupSize == 128 && k % 128 != 0)
            throw new ArgumentException($"in_features {k} is not a multiple of group size 128", "s");
        if (b.Length != (long)k / Tile * 2 * n)
            throw new ArgumentException($"B has {b.Length} values, expected [{k / Tile}, {2 * n}]", "B");
        if (s.Length != (long)groups * n)
            throw new ArgumentException($"s has {s.Length} values, expected [{groups}, {n}]", "s");

        var scales = new float[groups * n];
        var scalePerm = groups > 1 ? ScalePermutation : SingleScalePermutation;
        int chunk = scalePerm.Length;
        for (int i = 0; i < s.Length; i++)
        {
            int c = i / chunk, j = i % chunk;
            scales[c * chunk + scalePerm[j]] = (float)s[i];
        }
        var zeros = new float[groups * n];
        Array.Fill(zeros, 8f);
        var groupRows = new int[groups];
        Array.Fill(groupRows, k / groups);
        var bits = new int[groups];
        Array.Fill(bits, 4);

        var inverse = new int[Permutation.Length];
        for (int j = 0; j < Permutation.Length; j++)
            inverse[Permutation[j]] = j;
        fixed (int* bp = b)
        fixed (int* ip = inverse)
            return GptqMatrix.Create(k, n, groupRows, bits, scales, zeros, ReadOnlySpan<int>.Empty, new Codes(bp, ip, n));
    }

    private readonly struct Codes(int* b, int* inverse, int columns) : IGptqCodes
    {
        public uint Code(int storedRow, int column)
        {
            // Position before the shuffle, then after it, in B's row of 16 * N codes.
            int tileRow = storedRow / Tile;
            int p = column / Tile * 256 + storedRow % Tile * Tile + column % Tile;
            int shuffled = p / 1024 * 1024 + inverse[p % 1024];
            uint word = (uint)b[(long)tileRow * 2 * columns + shuffled / 8];
            return (word >> (4 * (shuffled % 8))) & 0xF;
        }
    }

    private static int[] BuildPermutation()
    {
        var perm = new List<int>(1024);
        for (int i = 0; i < 32; i++)
        {
            var perm1 = new List<int>(8);
            int col = i / 4;
            foreach (int block in new[] { 0, 1 })
                foreach (int row in new[] { 2 * (i % 4), 2 * (i % 4) + 1, 2 * (i % 4 + 4), 2 * (i % 4 + 4) + 1 })
                    perm1.Add(16 * row + col + 8 * block);
            for (int j = 0; j < 4; j++)
                foreach (int p in perm1)
                    perm.Add(p + 256 * j);
        }
        int[] interleave = [0, 2, 4, 6, 1, 3, 5, 7];
        var result = new int[perm.Count];
        for (int r = 0; r < perm.Count / 8; r++)
            for (int t = 0; t < 8; t++)
                result[r * 8 + t] = perm[r * 8 + interleave[t]];
        return result;
    }

    private static int[] BuildScalePermutation()
    {
        var perm = new List<int>(64);
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                perm.Add(i + 8 * j);
        return [.. perm];
    }

    private static int[] BuildSingleScalePermutation()
    {
        var perm = new List<int>(32);
        for (int i = 0; i < 4; i++)
            foreach (int j in new[] { 0, 1, 8, 9, 16, 17, 24, 25 })
                perm.Add(2 * i + j);
        return [.. perm];
    }
}
