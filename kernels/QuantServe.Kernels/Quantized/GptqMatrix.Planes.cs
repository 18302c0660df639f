using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

// Bit-plane blocks, for groups of 1 to 3 bits. With codes laid end to end (row j at bit j*b) every code
// costs the GEMV a shift, a bit-select and an FMA, and 3-bit weights were decoded more slowly than memory
// delivers them (0.6 of the read bandwidth). Stored as planes (word-row t of a block holds bit t of its 32
// codes, row j at bit j), the bits of four consecutive rows in one plane form a nibble, and
//   sum_j x_j q_j = sum_t 2^t sum_quads T_quad[nibble_t(quad)],
// where T_quad[s] is the sum of the quad's four x over the set bits of s: a 16-entry table built once per
// call and activation row. vpermps reads only the low four bits of each lane, so a plane word shifted by
// 4i indexes quad i directly: per 4 rows, 16 columns and plane one shift, one vpermps and one add.
public sealed unsafe partial class GptqMatrix
{
    /// <summary>Whether groups of <paramref name="bits"/> are stored as bit planes.</summary>
    private static bool IsPlanar(int bits) => bits <= 3;

    /// <summary>Floats of one activation row's quad tables: 16 per quad, at <see cref="QuadTableOffset"/> of its first row.</summary>
    private int QuadTablesLength => (4 * InFeatures) + 16;

    /// <summary>The table of the quad starting at stored row <paramref name="storedRow"/> (quads are 4 rows apart: no overlap).</summary>
    private static long QuadTableOffset(int storedRow) => 4L * storedRow;

    /// <summary>The code at row <paramref name="row"/> of the planar block whose plane 0 is <paramref name="plane0"/>.</summary>
    private static uint ReadPlanarCode(uint* plane0, int row, int b)
    {
        uint q = 0;
        for (int t = 0; t < b; t++)
            q |= ((plane0[t * Panel] >> row) & 1) << t;
        return q;
    }

    private static Vector512<uint> ExtractPlanar512(uint* block, int n, int row, int b)
    {
        var q = Vector512<uint>.Zero;
        for (int t = 0; t < b; t++)
            q |= Vector512.ShiftLeft(Vector512.ShiftRightLogical(Vector512.Load(block + ((long)t * n)), row) & Vector512<uint>.One, t);
        return q;
    }

    private static Vector256<uint> ExtractPlanar256(uint* block, int n, int row, int b)
    {
        var q = Vector256<uint>.Zero;
        for (int t = 0; t < b; t++)
            q |= Vector256.ShiftLeft(Vector256.ShiftRightLogical(Vector256.Load(block + ((long)t * n)), row) & Vector256<uint>.One, t);
        return q;
    }

    /// <summary>
    /// After <see cref="CreateFromStreams"/> copied a checkpoint's bit streams: turns the blocks of planar groups
    /// (whole blocks: that path takes only groups of a multiple of 32 rows) into bit planes in place.
    /// </summary>
    private void StreamsToPlanes()
    {
        uint* stream = stackalloc uint[3];
        uint* planes = stackalloc uint[3];
        for (int g = 0; g < Groups; g++)
        {
            int b = _bits[g];
            if (!IsPlanar(b))
                continue;
            int blocks = (_rowStart[g + 1] - _rowStart[g] + 31) / 32;
            for (int blk = 0; blk < blocks; blk++)
                for (int c = 0; c < OutFeatures; c++)
                {
                    uint* plane0 = _words + WordIndex(_wordRow[g] + ((long)blk * b), c);
                    for (int t = 0; t < b; t++)
                        stream[t] = plane0[t * Panel];
                    StreamToPlanes(stream, planes, b);
                    for (int t = 0; t < b; t++)
                        plane0[t * Panel] = planes[t];
                }
        }
    }

    /// <summary>32 codes of <paramref name="b"/> bits laid end to end in b words -> b bit planes.</summary>
    internal static void StreamToPlanes(uint* stream, uint* planes, int b, bool useBmi2 = true)
    {
        for (int t = 0; t < b; t++)
            planes[t] = 0;
        if (useBmi2 && Bmi2.IsSupported)
        {
            // Word k holds stream bits [32k, 32k + 32): those of plane t are the ones with (32k + p) % b == t, and the
            // first of them belongs to row ceil((32k - t) / b); pext packs them in row order.
            for (int k = 0; k < b; k++)
                for (int t = 0; t < b; t++)
                {
                    uint mask = 0;
                    for (int p = 0; p < 32; p++)
                        if ((32 * k + p) % b == t)
                            mask |= 1u << p;
                    int firstRow = Math.Max(0, (32 * k - t + b - 1) / b);
                    planes[t] |= Bmi2.ParallelBitExtract(stream[k], mask) << firstRow;
                }
            return;
        }

        for (int j = 0; j < 32; j++)
        {
            int bit = j * b, shift = bit & 31;
            ulong pair = stream[bit >> 5];
            if (shift + b > 32)
                pair |= (ulong)stream[(bit >> 5) + 1] << 32;
            uint q = (uint)(pair >> shift);
            for (int t = 0; t < b; t++)
                planes[t] |= ((q >> t) & 1) << j;
        }
    }

    /// <summary>
    /// The 16-entry tables of every quad of rows in the whole blocks of planar groups, for one activation row in
    /// stored order: entry s of the quad at row r is the sum of xs[r + i] over the set bits i of s.
    /// </summary>
    private void BuildQuadTables(float* xs, float* tables)
    {
        var bit0 = Vector512.Create(0f, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        var bit1 = Vector512.Create(0f, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1);
        var bit2 = Vector512.Create(0f, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1);
        var bit3 = Vector512.Create(0f, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        for (int g = 0; g < Groups; g++)
        {
            if (!IsPlanar(_bits[g]))
                continue;
            int r0 = _rowStart[g], whole = (_rowStart[g + 1] - r0) & ~31;
            for (int r = r0; r < r0 + whole; r += 4)
            {
                float* x = xs + r;
                var table = bit0 * x[0];
                table = Vector512.FusedMultiplyAdd(bit1, Vector512.Create(x[1]), table);
                table = Vector512.FusedMultiplyAdd(bit2, Vector512.Create(x[2]), table);
                table = Vector512.FusedMultiplyAdd(bit3, Vector512.Create(x[3]), table);
                table.Store(tables + QuadTableOffset(r));
            }
        }
    }

    /// <summary>
    /// sum_j x_j q_j over <paramref name="blocks"/> whole planar blocks of 16 columns, <paramref name="quads"/> being the
    /// tables of their first row. Two accumulators per plane: even and odd quads. Inlined: a call inside
    /// <see cref="Gemv512"/> made the JIT keep the other bit widths' accumulators on the stack.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PlanarBlocks512(uint* block, float* quads, int blocks, int planes)
    {
        Vector512<float> e0 = default, o0 = default, e1 = default, o1 = default, e2 = default, o2 = default;
        for (int i = 0; i < blocks; i++, block += planes * Panel, quads += QuadTableOffset(32))
        {
            for (int t = 0; t < planes; t++)
                StreamPrefetch.Ahead(block + (t * Panel));
            if (planes == 3)
                PlanarBlock512(block, quads, 3, ref e0, ref o0, ref e1, ref o1, ref e2, ref o2);
            else if (planes == 2)
                PlanarBlock512(block, quads, 2, ref e0, ref o0, ref e1, ref o1, ref e2, ref o2);
            else
                PlanarBlock512(block, quads, 1, ref e0, ref o0, ref e1, ref o1, ref e2, ref o2);
        }

        return (e0 + o0) + (Vector512.Create(2f) * (e1 + o1)) + (Vector512.Create(4f) * (e2 + o2));
    }

    // One block: eight quads, every shift a literal (a shift by a register count costs a second uop).
    // Inlined with a constant plane count, so the unused planes fold away.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PlanarBlock512(
        uint* block, float* quads, int planes,
        ref Vector512<float> e0, ref Vector512<float> o0, ref Vector512<float> e1, ref Vector512<float> o1, ref Vector512<float> e2, ref Vector512<float> o2)
    {
        var w0 = Vector512.Load(block).AsInt32();
        var w1 = planes > 1 ? Vector512.Load(block + Panel).AsInt32() : default;
        var w2 = planes > 2 ? Vector512.Load(block + (2 * Panel)).AsInt32() : default;
        Quad(quads, planes, w0, w1, w2, ref e0, ref e1, ref e2);
        Quad(quads + 16, planes, Vector512.ShiftRightLogical(w0, 4), Vector512.ShiftRightLogical(w1, 4), Vector512.ShiftRightLogical(w2, 4), ref o0, ref o1, ref o2);
        Quad(quads + 32, planes, Vector512.ShiftRightLogical(w0, 8), Vector512.ShiftRightLogical(w1, 8), Vector512.ShiftRightLogical(w2, 8), ref e0, ref e1, ref e2);
        Quad(quads + 48, planes, Vector512.ShiftRightLogical(w0, 12), Vector512.ShiftRightLogical(w1, 12), Vector512.ShiftRightLogical(w2, 12), ref o0, ref o1, ref o2);
        Quad(quads + 64, planes, Vector512.ShiftRightLogical(w0, 16), Vector512.ShiftRightLogical(w1, 16), Vector512.ShiftRightLogical(w2, 16), ref e0, ref e1, ref e2);
        Quad(quads + 80, planes, Vector512.ShiftRightLogical(w0, 20), Vector512.ShiftRightLogical(w1, 20), Vector512.ShiftRightLogical(w2, 20), ref o0, ref o1, ref o2);
        Quad(quads + 96, planes, Vector512.ShiftRightLogical(w0, 24), Vector512.ShiftRightLogical(w1, 24), Vector512.ShiftRightLogical(w2, 24), ref e0, ref e1, ref e2);
        Quad(quads + 112, planes, Vector512.ShiftRightLogical(w0, 28), Vector512.ShiftRightLogical(w1, 28), Vector512.ShiftRightLogical(w2, 28), ref o0, ref o1, ref o2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(
        float* table, int planes, Vector512<int> plane0, Vector512<int> plane1, Vector512<int> plane2,
        ref Vector512<float> sum0, ref Vector512<float> sum1, ref Vector512<float> sum2)
    {
        var entries = Vector512.Load(table);
        sum0 += Avx512F.PermuteVar16x32(entries, plane0);
        if (planes > 1)
        {
            sum1 += Avx512F.PermuteVar16x32(entries, plane1);
        }

        if (planes > 2)
        {
            sum2 += Avx512F.PermuteVar16x32(entries, plane2);
        }
    }
}
