using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>Groups of 1 to 3 bits, which <see cref="GptqMatrix"/> stores as bit planes and multiplies through quad tables.</summary>
public unsafe class GptqMatrixPlanesTests
{
    // Planar groups (3, 2, 1 bits) of sizes that are not multiples of 32 or 4 (one without a whole block), so
    // quads start at any row, whole blocks sit next to partial ones, and a 4- and a 5-bit group share the
    // layer. 43 columns: two Vector512 panels, one Vector256 and three scalar columns.
    private static readonly int[] GroupRows = [37, 70, 7, 53, 96, 45, 32];
    private static readonly int[] GroupBits = [3, 2, 2, 1, 3, 4, 5];
    private const int Out = 43;

    [Fact]
    public void PlanarGroups_OfAnySize_DequantizeAndMultiplyExactly()
    {
        var (matrix, codes, expected) = Build(GroupRows, GroupBits, permuted: true, seed: 1);
        using (matrix)
        {
            for (int r = 0; r < matrix.InFeatures; r++)
                for (int c = 0; c < Out; c++)
                    if (matrix.Code(r, c) != codes[r, c])
                        throw new Xunit.Sdk.XunitException($"code of stored row {r}, column {c}: {matrix.Code(r, c)}, packed {codes[r, c]}");
            QuantizedMatrixChecks.DequantizedEquals(matrix, expected);
            QuantizedMatrixChecks.ProductsAgree(matrix, expected, 1, 2, 3, 4, 7);
        }
    }

    [Fact]
    public void CheckpointStreams_OfPlanarGroups_BecomeTheSameMatrixAsCodeByCodePacking()
    {
        int[] rows = [64, 32, 96, 128, 32];
        int[] bits = [3, 2, 1, 4, 3];
        var (packed, codes, expected) = Build(rows, bits, permuted: false, seed: 2);
        packed.Dispose();
        int k = rows.Sum();
        // The checkpoint layout: per group, b-bit codes laid end to end down each column (row j at bit j*b).
        int wordRows = rows.Zip(bits, (r, b) => r * b / 32).Sum();
        var words = new int[wordRows * Out];
        for (int g = 0, first = 0, wordRow = 0; g < rows.Length; wordRow += rows[g] * bits[g] / 32, first += rows[g], g++)
            for (int j = 0; j < rows[g]; j++)
                for (int c = 0; c < Out; c++)
                {
                    long bit = (long)j * bits[g];
                    ulong value = (ulong)codes[first + j, c] << (int)(bit & 31);
                    words[((wordRow + (bit >> 5)) * Out) + c] |= (int)(uint)value;
                    if ((bit & 31) + bits[g] > 32)
                        words[((wordRow + (bit >> 5) + 1) * Out) + c] |= (int)(uint)(value >> 32);
                }
        var (scales, zeros) = ScalesAndZeros(rows.Length, seed: 2);

        using var m = GptqMatrix.CreateFromStreams(k, Out, rows, bits, scales, zeros, [], words);

        for (int r = 0; r < k; r++)
            for (int c = 0; c < Out; c++)
                m.Code(r, c).Should().Be(codes[r, c], $"stored row {r}, column {c}");
        QuantizedMatrixChecks.DequantizedEquals(m, expected);
        QuantizedMatrixChecks.ProductsAgree(m, expected, 1, 5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void StreamToPlanes_WithAndWithoutPext_PutBitTOfRowJAtBitJOfPlaneT(int b)
    {
        var rng = new Random(b);
        uint* stream = stackalloc uint[3];
        uint* pext = stackalloc uint[3];
        uint* scalar = stackalloc uint[3];
        for (int trial = 0; trial < 200; trial++)
        {
            var values = new uint[32];
            for (int j = 0; j < 32; j++)
                values[j] = (uint)rng.Next(1 << b);
            for (int t = 0; t < b; t++)
                stream[t] = 0;
            for (int j = 0; j < 32; j++)
            {
                ulong value = (ulong)values[j] << ((j * b) & 31);
                stream[(j * b) >> 5] |= (uint)value;
                if (((j * b) & 31) + b > 32)
                    stream[((j * b) >> 5) + 1] |= (uint)(value >> 32);
            }

            GptqMatrix.StreamToPlanes(stream, pext, b);
            GptqMatrix.StreamToPlanes(stream, scalar, b, useBmi2: false);

            for (int t = 0; t < b; t++)
                for (int j = 0; j < 32; j++)
                {
                    uint expected = (values[j] >> t) & 1;
                    ((pext[t] >> j) & 1).Should().Be(expected, $"plane {t}, row {j} (pext)");
                    ((scalar[t] >> j) & 1).Should().Be(expected, $"plane {t}, row {j} (scalar)");
                }
        }
    }

    private static (GptqMatrix Matrix, uint[,] Codes, double[] Expected) Build(int[] groupRows, int[] groupBits, bool permuted, int seed)
    {
        int k = groupRows.Sum();
        var rng = new Random(seed);
        var codes = new uint[k, Out];
        for (int g = 0, first = 0; g < groupRows.Length; first += groupRows[g], g++)
            for (int r = first; r < first + groupRows[g]; r++)
                for (int c = 0; c < Out; c++)
                    codes[r, c] = (uint)rng.Next(1 << groupBits[g]);
        var order = Enumerable.Range(0, k).ToArray();
        if (permuted)
            rng.Shuffle(order);
        var (scales, zeros) = ScalesAndZeros(groupRows.Length, seed);
        var expected = new double[Out * k];
        for (int g = 0, first = 0; g < groupRows.Length; first += groupRows[g], g++)
            for (int r = first; r < first + groupRows[g]; r++)
                for (int c = 0; c < Out; c++)
                    expected[(c * k) + order[r]] = scales[(g * Out) + c] * (codes[r, c] - zeros[(g * Out) + c]);
        var matrix = GptqMatrix.Create(k, Out, groupRows, groupBits, scales, zeros, permuted ? order : [], new ArrayCodes(codes));
        return (matrix, codes, expected);
    }

    // Scales are powers of two and zeros small integers, so scale * (q - zero) is exact in fp32 and float64 alike.
    private static (float[] Scales, float[] Zeros) ScalesAndZeros(int groups, int seed)
    {
        var rng = new Random(seed + 100);
        var scales = new float[groups * Out];
        var zeros = new float[groups * Out];
        for (int i = 0; i < scales.Length; i++)
        {
            scales[i] = MathF.ScaleB(1f, -rng.Next(3, 9));
            zeros[i] = rng.Next(0, 4);
        }

        return (scales, zeros);
    }

    private readonly struct ArrayCodes(uint[,] codes) : IGptqCodes
    {
        public uint Code(int storedRow, int column) => codes[storedRow, column];
    }
}
