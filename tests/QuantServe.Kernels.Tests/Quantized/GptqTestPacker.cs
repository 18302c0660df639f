namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>
/// Quantizes known float weights and packs them the way AutoGPTQ's QuantLinear.pack writes a
/// checkpoint (its explicit word-by-word loops, including the 3-bit word-straddling steps), independent
/// of the production reader.
/// </summary>
internal sealed class GptqTestPacker
{
    public required int In { get; init; }
    public required int Out { get; init; }
    public required int Bits { get; init; }
    public required int GroupSize { get; init; }
    public bool Symmetric { get; init; }
    public bool ActOrder { get; init; }
    public bool V2 { get; init; }
    public int Seed { get; init; } = 1;

    public int[] QWeight = [];
    public int[] QZeros = [];
    public Half[] Scales = [];
    public int[] GIdx = [];
    public int Groups;

    /// <summary>Dequantized W [Out x In] as the format defines it: scale * (q - zero), in double.</summary>
    public double[] Expected = [];

    public GptqTestPacker Pack()
    {
        var rng = new Random(Seed);
        int k = In, n = Out, maxq = (1 << Bits) - 1;
        int size = GroupSize <= 0 ? k : GroupSize;
        Groups = (k + size - 1) / size;
        GIdx = new int[k];
        for (int i = 0; i < k; i++)
            GIdx[i] = i / size;
        if (ActOrder)
            rng.Shuffle(GIdx); // same group sizes, rows scattered over the groups
        var w = new double[n * k];
        for (int i = 0; i < w.Length; i++)
            w[i] = rng.NextDouble() * 2 - 1 + (i % 7 == 0 ? 0.3 : 0);

        var intWeight = new int[k, n];
        var zeros = new int[Groups, n];
        Scales = new Half[Groups * n];
        Expected = new double[n * k];
        for (int g = 0; g < Groups; g++)
            for (int c = 0; c < n; c++)
            {
                double lo = 0, hi = 0;
                for (int i = 0; i < k; i++)
                    if (GIdx[i] == g)
                    {
                        lo = Math.Min(lo, w[c * k + i]);
                        hi = Math.Max(hi, w[c * k + i]);
                    }
                if (Symmetric)
                {
                    double m = Math.Max(-lo, hi);
                    lo = -m;
                    hi = m;
                }
                double scale = hi > lo ? (hi - lo) / maxq : 1;
                var s16 = (Half)scale;
                int zero = Symmetric ? (maxq + 1) / 2 : (int)Math.Round(-lo / (double)s16);
                // v1 cannot store a zero point of 0 (it would be written as -1); real v1 checkpoints avoid it too.
                zero = Math.Clamp(zero, V2 ? 0 : 1, maxq);
                Scales[g * n + c] = s16;
                zeros[g, c] = zero;
                for (int i = 0; i < k; i++)
                    if (GIdx[i] == g)
                    {
                        int q = Math.Clamp((int)Math.Round(w[c * k + i] / (double)s16) + zero, 0, maxq);
                        intWeight[i, c] = q;
                        Expected[c * k + i] = (double)s16 * (q - zero);
                    }
            }

        QWeight = new int[k * Bits / 32 * n];
        for (int c = 0; c < n; c++)
        {
            var column = new int[k];
            for (int i = 0; i < k; i++)
                column[i] = intWeight[i, c];
            var packed = PackStream(column, Bits);
            for (int r = 0; r < packed.Length; r++)
                QWeight[r * n + c] = (int)packed[r];
        }
        int zeroWords = n * Bits / 32;
        QZeros = new int[Groups * zeroWords];
        for (int g = 0; g < Groups; g++)
        {
            var row = new int[n];
            for (int c = 0; c < n; c++)
                row[c] = (V2 ? zeros[g, c] : zeros[g, c] - 1) & maxq;
            var packed = PackStream(row, Bits);
            for (int j = 0; j < packed.Length; j++)
                QZeros[g * zeroWords + j] = (int)packed[j];
        }
        return this;
    }

    /// <summary>AutoGPTQ's pack loop over one column of values (3 bits: length a multiple of 32).</summary>
    public static uint[] PackStream(int[] values, int bits)
    {
        var packed = new uint[values.Length * bits / 32];
        int i = 0, row = 0;
        while (row < packed.Length)
        {
            if (bits is 2 or 4 or 8)
            {
                for (int j = i; j < i + 32 / bits; j++)
                    packed[row] |= (uint)values[j] << (bits * (j - i));
                i += 32 / bits;
                row++;
            }
            else
            {
                for (int j = i; j < i + 10; j++)
                    packed[row] |= (uint)values[j] << (3 * (j - i));
                i += 10;
                packed[row] |= (uint)values[i] << 30;
                row++;
                packed[row] |= ((uint)values[i] >> 2) & 1;
                i++;
                for (int j = i; j < i + 10; j++)
                    packed[row] |= (uint)values[j] << (3 * (j - i) + 1);
                i += 10;
                packed[row] |= (uint)values[i] << 31;
                row++;
                packed[row] |= ((uint)values[i] >> 1) & 3;
                i++;
                for (int j = i; j < i + 10; j++)
                    packed[row] |= (uint)values[j] << (3 * (j - i) + 2);
                i += 10;
                row++;
            }
        }
        return packed;
    }
}
