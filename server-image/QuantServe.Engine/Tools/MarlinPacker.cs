using QuantServe.Engine.Calibration;

namespace QuantServe.Engine.Tools;

/// <summary>
/// Packs a symmetric 4-bit <see cref="QuantizedWeight"/> into a native Marlin checkpoint's tensors, as
/// IST-DASLab/marlin's <c>Layer.pack</c> writes them (K = in_features, N = out_features):
/// <c>B</c> int32 [K/16, 2N]: the codes of W^T [K, N] reshaped (K/16, 16, N/16, 16), permuted (0, 2, 1, 3) into
/// rows of 16N (row t: the 16 x 16 tiles of input rows 16t..16t+15, one after another, each row-major), every
/// 1024 values of a row shuffled by <c>_perm</c> (value p takes value perm[p]) and 8 consecutive values packed
/// into one word, the first in the lowest nibble; <c>s</c> fp16 [G, N] (G = K/128, or 1 with group -1 or
/// K = 128): the scales reshaped (-1, 64)[:, scale_perm] (grouped) or (-1, 32)[:, scale_perm_single].
/// W[n, k] = s[g, n] * (q - 8). The permutations are built here from Marlin's <c>_get_perms</c>, apart
/// from the loader's (<c>MarlinFormat</c>), so each checks the other.
/// </summary>
public static class MarlinPacker
{
    private const int Tile = 16;

    // Marlin's _perm: the order its kernel reads a 16 x 64 strip of codes (4 tiles), for the tensor-core fragments.
    private static readonly int[] Perm = BuildPerm();

    // Marlin's _scale_perm (G > 1) and _scale_perm_single (G = 1).
    private static readonly int[] ScalePerm = BuildScalePerm();
    private static readonly int[] ScalePermSingle = BuildScalePermSingle();

    public static (int[] B, Half[] S) Pack(QuantizedWeight q)
    {
        int k = q.InFeatures, n = q.OutFeatures;
        if (q.Bits != 4)
            throw new ArgumentException($"marlin packs 4-bit codes; this weight has {q.Bits} bits", nameof(q));
        if (q.GroupSize is not (-1 or 128))
            throw new ArgumentException($"marlin's group size is -1 or 128; this weight has {q.GroupSize}", nameof(q));
        if (k % Tile != 0)
            throw new ArgumentException($"marlin stores 16-row tiles; in_features {k} is not a multiple of 16", nameof(q));
        if (q.GroupSize == 128 && k % 128 != 0)
            throw new ArgumentException($"in_features {k} is not a multiple of marlin's group size 128", nameof(q));
        if (n % 64 != 0)
            throw new ArgumentException($"marlin shuffles 1024 codes (64 columns of a tile row) at a time; out_features {n} is not a multiple of 64", nameof(q));
        int size = q.GroupSize == 128 ? 128 : k;
        for (int c = 0; c < k; c++)
            if (q.GroupIndex[c] != c / size)
                throw new ArgumentException($"marlin has no g_idx: input {c} must be in group {c / size}, not {q.GroupIndex[c]} (act-order cannot be stored)", nameof(q));
        for (int i = 0; i < q.Zeros.Length; i++)
            if (q.Zeros[i] != 8)
                throw new ArgumentException($"marlin is symmetric (zero point 8); group {i / n} column {i % n} has zero {q.Zeros[i]}", nameof(q));

        long wide = Array.FindIndex(q.Codes, code => code > 15);
        if (wide >= 0)
            throw new ArgumentException($"code {q.Codes[wide]} of output {wide / k}, input {wide % k} is not 4-bit", nameof(q));

        int rowValues = Tile * n, rowWords = rowValues / 8;
        var b = new int[(long)k / Tile * rowWords];
        Parallel.For(0, k / Tile, t =>
        {
            long rowStart = (long)t * rowWords;
            for (int j = 0; j < rowValues; j++)
            {
                // Value j of the shuffled row is value src of the tiled row: tile src / 256, at (src % 256 / 16, src % 16) in it.
                int src = j / 1024 * 1024 + Perm[j % 1024];
                int input = t * Tile + src % 256 / Tile, output = src / 256 * Tile + src % Tile;
                b[rowStart + j / 8] |= q.Codes[(long)output * k + input] << (4 * (j % 8));
            }
        });

        var scalePerm = q.Groups > 1 ? ScalePerm : ScalePermSingle;
        int chunk = scalePerm.Length;
        var s = new Half[q.Scales.Length];
        for (int i = 0; i < s.Length; i++)
            s[i] = (Half)q.Scales[i / chunk * chunk + scalePerm[i % chunk]];
        return (b, s);
    }

    private static int[] BuildPerm()
    {
        var perm = new List<int>(1024);
        for (int i = 0; i < 32; i++)
        {
            var perm1 = new List<int>(8);
            int col = i / 4;
            for (int block = 0; block < 2; block++)
                foreach (int row in new[] { 2 * (i % 4), 2 * (i % 4) + 1, 2 * (i % 4 + 4), 2 * (i % 4 + 4) + 1 })
                    perm1.Add(16 * row + col + 8 * block);
            for (int j = 0; j < 4; j++)
                perm.AddRange(perm1.Select(p => p + 256 * j));
        }
        // Each 8 values are interleaved so the kernel's dequantization yields its halfs in register order.
        int[] interleave = [0, 2, 4, 6, 1, 3, 5, 7];
        return Enumerable.Range(0, perm.Count).Select(x => perm[x / 8 * 8 + interleave[x % 8]]).ToArray();
    }

    private static int[] BuildScalePerm() =>
        Enumerable.Range(0, 8).SelectMany(i => Enumerable.Range(0, 8).Select(j => i + 8 * j)).ToArray();

    private static int[] BuildScalePermSingle() =>
        Enumerable.Range(0, 4).SelectMany(i => new[] { 0, 1, 8, 9, 16, 17, 24, 25 }.Select(j => 2 * i + j)).ToArray();
}
