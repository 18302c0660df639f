using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// The in-memory layout every pre-quantized format (gptq, awq, marlin, exl2) is repacked into at load,
/// and its matmul kernels: y[m x N] = x[m x K] W^T with W dequantized on the fly, never as a whole.
/// <para>
/// Layout (ours, not a checkpoint's). The K input rows are kept in "stored order": stored row k reads
/// input feature <c>InputOrder[k]</c> (identity unless act-order / exl2 permuted them), and rows are
/// sorted by quantization group, so group g owns the stored rows [RowStart[g], RowStart[g+1]).
/// Each group has its own bit width b (1..8; exl2 varies it inside a layer). A group is cut into
/// blocks of 32 rows; a block takes exactly b word-rows of N uint32 (32 x b bits per column), and
/// within a column the block is a little-endian bit stream: row j of the block sits at bit j*b
/// (values of 3, 5, 6, 7 bits cross word boundaries). Groups of 1 to 3 bits store their blocks as bit
/// planes instead: word-row t of the block holds bit t of the 32 codes, row j at bit j (see
/// GptqMatrix.Planes.cs for why). The last block of a group is zero-padded.
/// Columns are stored in panels of 16: word-row w of column n is <c>Words[((n / 16) * WordRows + w) * 16 + n % 16]</c>,
/// so 16 neighbouring columns are one Vector512 load and a panel's word-rows follow each other in memory
/// (the GEMV walks one panel from top to bottom: a sequential stream, not a 4*N-byte stride per load).
/// The last panel is zero-padded. Scales and zeros use the same panel order: [(n / 16) * G + g] * 16 + n % 16.
/// Per group and column: fp32 <c>Scale</c> and <c>Zero</c>; W[n, InputOrder[k]] = Scale * (q - Zero).
/// </para>
/// <para>
/// GEMV (one activation row): per group, acc = sum x_k q_k over the group's rows (bit-plane groups look it
/// up four rows at a time), then y += Scale * (acc - Zero * sum x_k). GEMM (prefill): a 32-row x 16-column
/// tile is dequantized into a stack buffer and used for every activation row. Work is split over 64-column tiles.
/// </para>
/// </summary>
public sealed unsafe partial class GptqMatrix : IDisposable
{
    /// <summary>Columns per unit of parallel work (a multiple of every SIMD width).</summary>
    public const int ColumnTile = 64;

    /// <summary>Columns stored together (one Vector512 of uint32): a panel's word-rows follow each other in memory.</summary>
    public const int Panel = 16;

    /// <summary>Below this many activation rows the fused GEMV is used row by row.</summary>
    private const int GemmMinRows = 4;

    private readonly int[] _rowStart;
    private readonly int[] _bits;
    private readonly long[] _wordRow;
    private readonly int[]? _inputOrder;
    private uint* _words;
    private float* _scales;
    private float* _zeros;
    private readonly long _wordRows;
    private readonly long _wordBytes;
    private readonly bool _hasPlanarGroups;
    private readonly bool _fourBitOnly;

    private GptqMatrix(int inFeatures, int outFeatures, int[] rowStart, int[] bits, long[] wordRow, long wordRows, int[]? inputOrder)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _rowStart = rowStart;
        _bits = bits;
        _wordRow = wordRow;
        _wordRows = wordRows;
        _inputOrder = inputOrder;
        _hasPlanarGroups = Array.Exists(bits, IsPlanar);
        _fourBitOnly = Array.TrueForAll(bits, b => b == 4);
        long panels = (outFeatures + Panel - 1) / Panel;
        _wordBytes = panels * wordRows * Panel * 4;
        _words = (uint*)NativeMemory.AlignedAlloc((nuint)Math.Max(64, _wordBytes), 64);
        NativeMemory.Clear(_words, (nuint)Math.Max(64, _wordBytes));
        long groupValues = panels * bits.Length * Panel;
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(64, groupValues * 4), 64);
        _zeros = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(64, groupValues * 4), 64);
        NativeMemory.Clear(_scales, (nuint)Math.Max(64, groupValues * 4));
        NativeMemory.Clear(_zeros, (nuint)Math.Max(64, groupValues * 4));
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public int Groups => _bits.Length;

    /// <summary>Bytes one forward reads: packed codes plus the fp32 scales and zeros.</summary>
    public long WeightBytes => _wordRows * OutFeatures * 4 + 8L * Groups * OutFeatures;

    /// <summary>Word of word-row <paramref name="wordRow"/>, column <paramref name="column"/> (panel-major layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long WordIndex(long wordRow, int column) => ((long)(column / Panel) * _wordRows + wordRow) * Panel + column % Panel;

    /// <summary>Scale / zero of group <paramref name="group"/>, column <paramref name="column"/> (panel-major layout).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long ScaleIndex(int group, int column) => ((long)(column / Panel) * Groups + group) * Panel + column % Panel;

    /// <summary>Bit width of group <paramref name="group"/>.</summary>
    public int GroupBits(int group) => _bits[group];

    /// <summary>
    /// Packs a quantized matrix given in stored order. <paramref name="groupRows"/>[g] rows belong to group g
    /// (groups follow each other); <paramref name="inputOrder"/>[k] is the input feature stored row k reads
    /// (null: identity); <paramref name="scales"/> and <paramref name="zeros"/> are [groups x N];
    /// <paramref name="codes"/> gives the unsigned code of stored row k, output column n.
    /// </summary>
    public static GptqMatrix Create<TCodes>(
        int inFeatures, int outFeatures, ReadOnlySpan<int> groupRows, ReadOnlySpan<int> groupBits,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> zeros, ReadOnlySpan<int> inputOrder, TCodes codes)
        where TCodes : IGptqCodes => Create(inFeatures, outFeatures, groupRows, groupBits, scales, zeros, inputOrder, codes, packCodes: true);

    private static GptqMatrix Create<TCodes>(
        int inFeatures, int outFeatures, ReadOnlySpan<int> groupRows, ReadOnlySpan<int> groupBits,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> zeros, ReadOnlySpan<int> inputOrder, TCodes codes, bool packCodes)
        where TCodes : IGptqCodes
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        int groups = groupRows.Length;
        if (groups == 0 || groupBits.Length != groups)
            throw new ArgumentException($"need one bit width per group: {groups} groups, {groupBits.Length} widths");
        if (scales.Length != (long)groups * outFeatures || zeros.Length != (long)groups * outFeatures)
            throw new ArgumentException($"scales/zeros must hold {groups} x {outFeatures} values; got {scales.Length} and {zeros.Length}");
        if (!inputOrder.IsEmpty && inputOrder.Length != inFeatures)
            throw new ArgumentException($"input order has {inputOrder.Length} entries, expected {inFeatures}");

        var rowStart = new int[groups + 1];
        var bits = groupBits.ToArray();
        var wordRow = new long[groups];
        long words = 0;
        for (int g = 0; g < groups; g++)
        {
            if (groupRows[g] < 0)
                throw new ArgumentException($"group {g} has {groupRows[g]} rows");
            if (bits[g] is < 1 or > 8)
                throw new ArgumentException($"group {g} has {bits[g]} bits; 1 to 8 are supported");
            rowStart[g + 1] = rowStart[g] + groupRows[g];
            wordRow[g] = words;
            words += (long)((groupRows[g] + 31) / 32) * bits[g];
        }
        if (rowStart[groups] != inFeatures)
            throw new ArgumentException($"groups hold {rowStart[groups]} rows, expected {inFeatures}");

        int[]? order = null;
        if (!inputOrder.IsEmpty)
        {
            var seen = new bool[inFeatures];
            bool identity = true;
            for (int k = 0; k < inFeatures; k++)
            {
                int i = inputOrder[k];
                if ((uint)i >= (uint)inFeatures || seen[i])
                    throw new ArgumentException($"input order is not a permutation of 0..{inFeatures - 1} (entry {k} = {i})");
                seen[i] = true;
                identity &= i == k;
            }
            if (!identity)
                order = inputOrder.ToArray();
        }

        var matrix = new GptqMatrix(inFeatures, outFeatures, rowStart, bits, wordRow, words, order);
        int n = outFeatures;
        for (int g = 0; g < groups; g++)
            for (int c = 0; c < n; c++)
            {
                matrix._scales[matrix.ScaleIndex(g, c)] = scales[g * n + c];
                matrix._zeros[matrix.ScaleIndex(g, c)] = zeros[g * n + c];
            }
        for (int g = 0; g < groups && packCodes; g++)
        {
            int b = bits[g];
            uint mask = (1u << b) - 1;
            bool planar = IsPlanar(b);
            for (int r = 0; r < groupRows[g]; r++)
            {
                int bit = (r & 31) * b;
                long blockWord = wordRow[g] + (long)(r >> 5) * b;
                long w = planar ? blockWord : blockWord + (bit >> 5);
                int shift = bit & 31;
                int storedRow = rowStart[g] + r;
                for (int c = 0; c < n; c++)
                {
                    uint q = codes.Code(storedRow, c);
                    if (q > mask)
                    {
                        matrix.Dispose();
                        throw new ArgumentException($"code {q} at stored row {storedRow}, column {c} does not fit in {b} bits");
                    }
                    uint* word = matrix._words + matrix.WordIndex(w, c);
                    if (planar)
                    {
                        for (int t = 0; t < b; t++)
                            word[t * Panel] |= ((q >> t) & 1) << (r & 31);
                        continue;
                    }
                    word[0] |= q << shift;
                    if (shift + b > 32)
                        word[Panel] |= q >> (32 - shift);
                }
            }
        }
        return matrix;
    }

    /// <summary>
    /// The fast path of <see cref="Create{TCodes}"/> for checkpoints whose packing already is ours column by column
    /// (gptq without act-order and exl2, when every group holds a multiple of 32 rows): <paramref name="words"/>
    /// is [word-rows x N] row-major, group g's bit stream starting at word-row sum over h &lt; g of rows_h * bits_h / 32.
    /// Only the panel transpose is left to do, and the bit-plane transpose of groups of 1 to 3 bits.
    /// </summary>
    public static GptqMatrix CreateFromStreams(
        int inFeatures, int outFeatures, ReadOnlySpan<int> groupRows, ReadOnlySpan<int> groupBits,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> zeros, ReadOnlySpan<int> inputOrder, ReadOnlySpan<int> words)
    {
        for (int g = 0; g < groupRows.Length; g++)
            if (groupRows[g] % 32 != 0)
                throw new ArgumentException($"group {g} has {groupRows[g]} rows; streams can be taken over only for multiples of 32");
        var matrix = Create(inFeatures, outFeatures, groupRows, groupBits, scales, zeros, inputOrder, default(NoCodes), packCodes: false);
        int n = outFeatures;
        if (words.Length != matrix._wordRows * n)
        {
            matrix.Dispose();
            throw new ArgumentException($"streams hold {words.Length} words, expected [{matrix._wordRows}, {n}]");
        }
        fixed (int* source = words)
        {
            for (long w = 0; w < matrix._wordRows; w++)
            {
                uint* row = (uint*)source + w * n;
                for (int c = 0; c < n; c++)
                    matrix._words[matrix.WordIndex(w, c)] = row[c];
            }
        }
        matrix.StreamsToPlanes();
        return matrix;
    }

    private readonly struct NoCodes : IGptqCodes
    {
        public uint Code(int storedRow, int column) => 0;
    }

    /// <summary>The input feature stored row <paramref name="storedRow"/> reads.</summary>
    public int InputOf(int storedRow) => _inputOrder is null ? storedRow : _inputOrder[storedRow];

    /// <summary>The code of stored row <paramref name="storedRow"/>, column <paramref name="column"/>.</summary>
    public uint Code(int storedRow, int column)
    {
        int g = GroupOfStoredRow(storedRow);
        return ReadCode(g, storedRow - _rowStart[g], column);
    }

    /// <summary>Dequantized W[outFeature, :] in input-feature order: Scale * (q - Zero), computed in fp32.</summary>
    public void DequantizeRow(int outFeature, Span<float> destination)
    {
        if ((uint)outFeature >= (uint)OutFeatures)
            throw new ArgumentOutOfRangeException(nameof(outFeature));
        if (destination.Length < InFeatures)
            throw new ArgumentException($"destination holds {destination.Length} values, need {InFeatures}");
        for (int g = 0; g < Groups; g++)
        {
            float s = _scales[ScaleIndex(g, outFeature)], z = _zeros[ScaleIndex(g, outFeature)];
            for (int k = _rowStart[g]; k < _rowStart[g + 1]; k++)
                destination[InputOf(k)] = s * (ReadCode(g, k - _rowStart[g], outFeature) - z);
        }
    }

    /// <summary>y[rows x N] = x[rows x K] W^T, SIMD and threaded.</summary>
    public void Multiply(float* x, float* y, int rows)
    {
        if (rows <= 0)
            return;
        KernelThreads.For(ColumnTiles, new TileBody(this, x, y, rows, simd: true));
    }

    /// <summary>The scalar twin of <see cref="Multiply"/>: one column at a time, no SIMD, one thread.</summary>
    public void MultiplyReference(float* x, float* y, int rows)
    {
        if (rows <= 0)
            return;
        new TileBody(this, x, y, rows, simd: false).Run(0, ColumnTiles);
    }

    /// <summary>Number of <see cref="ColumnTile"/>-wide units of work.</summary>
    public int ColumnTiles => (OutFeatures + ColumnTile - 1) / ColumnTile;

    /// <summary>
    /// Computes the columns of tiles [<paramref name="tileStart"/>, <paramref name="tileEnd"/>) on the calling
    /// thread (benchmarks split the work themselves with this).
    /// </summary>
    public void MultiplyTiles(float* x, float* y, int rows, int tileStart, int tileEnd)
    {
        if (tileStart < 0 || tileEnd > ColumnTiles || tileStart > tileEnd)
            throw new ArgumentOutOfRangeException(nameof(tileEnd), $"tiles [{tileStart}, {tileEnd}) outside [0, {ColumnTiles})");
        new TileBody(this, x, y, rows, simd: true).Run(tileStart, tileEnd);
    }

    public void Dispose()
    {
        if (_words != null)
        {
            NativeMemory.AlignedFree(_words);
            NativeMemory.AlignedFree(_scales);
            NativeMemory.AlignedFree(_zeros);
            _words = null;
            _scales = null;
            _zeros = null;
        }
    }

    private int GroupOfStoredRow(int storedRow)
    {
        if ((uint)storedRow >= (uint)InFeatures)
            throw new ArgumentOutOfRangeException(nameof(storedRow));
        int g = Array.BinarySearch(_rowStart, storedRow);
        if (g < 0)
            return ~g - 1;
        while (g + 1 < _rowStart.Length && _rowStart[g + 1] == storedRow)
            g++; // skip empty groups that start at the same row
        return g;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadCode(int group, int rowInGroup, int column)
    {
        int b = _bits[group];
        if (IsPlanar(b))
            return ReadPlanarCode(_words + WordIndex(_wordRow[group] + (long)(rowInGroup >> 5) * b, column), rowInGroup & 31, b);
        int bit = (rowInGroup & 31) * b;
        long w = _wordRow[group] + (long)(rowInGroup >> 5) * b + (bit >> 5);
        int shift = bit & 31;
        uint* p = _words + WordIndex(w, column);
        ulong pair = shift + b > 32 ? p[0] | ((ulong)p[Panel] << 32) : p[0];
        return (uint)(pair >> shift) & ((1u << b) - 1);
    }

    /// <summary>
    /// Gathers activation rows into stored order (only when rows are permuted: <paramref name="xs"/> != x)
    /// and, for the GEMV, sums them per group.
    /// </summary>
    private void Gather(float* x, int rows, float* xs, float* sums)
    {
        int k = InFeatures, groups = Groups;
        for (int m = 0; m < rows; m++)
        {
            float* src = x + (long)m * k;
            float* dst = xs + (long)m * k;
            if (_inputOrder is not null)
                for (int i = 0; i < k; i++)
                    dst[i] = src[_inputOrder[i]];
            if (sums == null)
                continue;
            for (int g = 0; g < groups; g++)
            {
                float s = 0;
                for (int i = _rowStart[g]; i < _rowStart[g + 1]; i++)
                    s += dst[i];
                sums[m * groups + g] = s;
            }
        }
    }

    private readonly struct TileBody(GptqMatrix matrix, float* x, float* y, int rows, bool simd) : IRangeBody
    {
        public void Run(int start, int end)
        {
            if (start >= end)
                return;
            int k = matrix.InFeatures;
            bool permuted = matrix._inputOrder is not null, gemv = simd && rows < GemmMinRows;
            var xs = permuted ? ArrayPool<float>.Shared.Rent(rows * k) : null;
            var sums = gemv ? ArrayPool<float>.Shared.Rent(rows * matrix.Groups) : null;
            bool quads = gemv && Vector512.IsHardwareAccelerated && matrix._hasPlanarGroups;
            var tables = quads ? ArrayPool<float>.Shared.Rent(rows * matrix.QuadTablesLength) : null;
            try
            {
                int c0 = start * ColumnTile, c1 = Math.Min(matrix.OutFeatures, end * ColumnTile);
                fixed (float* gathered = xs)
                fixed (float* sp = sums)
                fixed (float* tp = tables)
                {
                    float* xsp = permuted ? gathered : x;
                    matrix.Gather(x, rows, xsp, sp);
                    for (int m = 0; m < rows && quads; m++)
                        matrix.BuildQuadTables(xsp + (long)m * k, tp + (long)m * matrix.QuadTablesLength);
                    if (!simd)
                    {
                        for (int m = 0; m < rows; m++)
                            for (int col = c0; col < c1; col++)
                                y[(long)m * matrix.OutFeatures + col] = matrix.ColumnScalar(xsp + (long)m * k, col);
                        return;
                    }
                    int c = c0;
                    if (gemv)
                    {
                        // Panel by panel: a panel comes from memory once and from cache for the other rows. All-4-bit
                        // matrices decode each code once for 2-3 rows (GptqMatrix.Batch.cs); others run row by row.
                        int n = matrix.OutFeatures, groups = matrix.Groups, tableLength = matrix.QuadTablesLength;
                        bool shared = Vector512.IsHardwareAccelerated && matrix._fourBitOnly && rows > 1;
                        for (; shared && c + 16 <= c1; c += 16)
                        {
                            if (rows == 2)
                                matrix.FourBitRows512<TwoRows>(xsp, sp, y, c);
                            else
                                matrix.FourBitRows512<ThreeRows>(xsp, sp, y, c);
                        }
                        if (Vector512.IsHardwareAccelerated)
                            for (; c + 16 <= c1; c += 16)
                                for (int m = 0; m < rows; m++)
                                    matrix.Gemv512(xsp + (long)m * k, sp + (long)m * groups, tp + (long)m * tableLength, y + (long)m * n, c);
                        if (Vector256.IsHardwareAccelerated)
                            for (; c + 8 <= c1; c += 8)
                                for (int m = 0; m < rows; m++)
                                    matrix.Gemv256(xsp + (long)m * k, sp + (long)m * groups, y + (long)m * n, c);
                        for (; c < c1; c++)
                            for (int m = 0; m < rows; m++)
                                y[(long)m * n + c] = matrix.ColumnScalar(xsp + (long)m * k, c);
                        return;
                    }
                    if (Vector512.IsHardwareAccelerated)
                        for (; c + 16 <= c1; c += 16)
                            matrix.Gemm512(xsp, rows, y, c);
                    if (Vector256.IsHardwareAccelerated)
                        for (; c + 8 <= c1; c += 8)
                            matrix.Gemm256(xsp, rows, y, c);
                    for (; c < c1; c++)
                        for (int m = 0; m < rows; m++)
                            y[(long)m * matrix.OutFeatures + c] = matrix.ColumnScalar(xsp + (long)m * k, c);
                }
            }
            finally
            {
                if (xs is not null)
                    ArrayPool<float>.Shared.Return(xs);
                if (sums is not null)
                    ArrayPool<float>.Shared.Return(sums);
                if (tables is not null)
                    ArrayPool<float>.Shared.Return(tables);
            }
        }
    }

    /// <summary>One output element, scalar: sum over groups of Scale * sum_k xs_k (q_k - Zero).</summary>
    private float ColumnScalar(float* xs, int column)
    {
        float total = 0;
        for (int g = 0; g < Groups; g++)
        {
            float s = _scales[ScaleIndex(g, column)], z = _zeros[ScaleIndex(g, column)];
            float acc = 0;
            int r0 = _rowStart[g], count = _rowStart[g + 1] - r0;
            for (int r = 0; r < count; r++)
                acc += xs[r0 + r] * (s * (ReadCode(g, r, column) - z));
            total += acc;
        }
        return total;
    }

    private void Gemv512(float* xs, float* sums, float* tables, float* y, int column)
    {
        int n = OutFeatures;
        var total = Vector512<float>.Zero;
        for (int g = 0; g < Groups; g++)
        {
            int b = _bits[g], r0 = _rowStart[g], count = _rowStart[g + 1] - r0;
            if (count == 0)
                continue;
            var mask = Vector512.Create((1u << b) - 1);
            // Four accumulators: one FMA chain would wait on its own latency every step.
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            uint* block = _words + WordIndex(_wordRow[g], column);
            float* xg = xs + r0;
            int r = 0;
            if (IsPlanar(b))
            {
                // Looked up four rows at a time (GptqMatrix.Planes.cs); the last, partial block below.
                int blocks = count / 32;
                a0 = PlanarBlocks512(block, tables + QuadTableOffset(r0), blocks, b);
                r = blocks * 32;
                block += (long)blocks * b * Panel;
                xg += r;
            }
            else if (b == 4)
            {
                // The common case. Each nibble is moved into the top mantissa bits of 1.0f, read as the float
                // 1 + q/16 (a shift and one bit-select instead of shift, mask and convert), so the four sums
                // collect sum x (1 + q/16), and sum x q = 16 (that - sum x) over the rows they covered.
                var one = Vector512.Create(0x3F800000u);
                var mantissa = Vector512.Create(0x00780000u);
                for (; r + 32 <= count; r += 32, block += 4L * Panel, xg += 32)
                    for (int w = 0; w < 4; w++)
                    {
                        StreamPrefetch.Ahead(block + (long)w * Panel);
                        var word = Vector512.Load(block + (long)w * Panel);
                        float* xw = xg + 8 * w;
                        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(word, 19), one).AsSingle(), Vector512.Create(xw[0]), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(word, 15), one).AsSingle(), Vector512.Create(xw[1]), a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(word, 11), one).AsSingle(), Vector512.Create(xw[2]), a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(word, 7), one).AsSingle(), Vector512.Create(xw[3]), a3);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(word, 3), one).AsSingle(), Vector512.Create(xw[4]), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(word, 1), one).AsSingle(), Vector512.Create(xw[5]), a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(word, 5), one).AsSingle(), Vector512.Create(xw[6]), a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(word, 9), one).AsSingle(), Vector512.Create(xw[7]), a3);
                    }
                if (r > 0)
                {
                    a0 = Unbias512((a0 + a1) + (a2 + a3), 4, xs, sums[g], r0, r, count);
                    a1 = a2 = a3 = default;
                }
            }
            else if (b == 8)
            {
                for (; r + 32 <= count; r += 32, block += 8L * Panel, xg += 32)
                    for (int w = 0; w < 8; w++)
                    {
                        StreamPrefetch.Ahead(block + (long)w * Panel);
                        var word = Vector512.Load(block + (long)w * Panel);
                        float* xw = xg + 4 * w;
                        a0 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((word & mask).AsInt32()), Vector512.Create(xw[0]), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, 8) & mask).AsInt32()), Vector512.Create(xw[1]), a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, 16) & mask).AsInt32()), Vector512.Create(xw[2]), a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Vector512.ShiftRightLogical(word, 24).AsInt32()), Vector512.Create(xw[3]), a3);
                    }
            }
            else if (32 % b == 0)
            {
                int perWord = 32 / b;
                for (; r + 32 <= count; r += 32, block += (long)b * Panel, xg += 32)
                    for (int w = 0; w < b; w++)
                    {
                        StreamPrefetch.Ahead(block + (long)w * Panel);
                        var word = Vector512.Load(block + (long)w * Panel);
                        float* xw = xg + w * perWord;
                        for (int t = 0, shift = 0; t < perWord; t += 4, shift += 4 * b)
                        {
                            a0 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, shift) & mask).AsInt32()), Vector512.Create(xw[t]), a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, shift + b) & mask).AsInt32()), Vector512.Create(xw[t + 1]), a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, shift + 2 * b) & mask).AsInt32()), Vector512.Create(xw[t + 2]), a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, shift + 3 * b) & mask).AsInt32()), Vector512.Create(xw[t + 3]), a3);
                        }
                    }
            }
            else if (b is 5 or 6)
            {
                for (; r + 32 <= count; r += 32, block += (long)b * Panel, xg += 32)
                {
                    for (int w = 0; w < b; w++)
                        StreamPrefetch.Ahead(block + (long)w * Panel);
                    a0 += b == 5 ? Block5Biased512(block, Panel, xg) : Block6Biased512(block, Panel, xg);
                }
                if (r > 0)
                    a0 = Unbias512(a0, b, xs, sums[g], r0, r, count);
            }
            else
            {
                for (; r + 32 <= count; r += 32, block += (long)b * Panel, xg += 32)
                    for (int j = 0; j < 32; j += 4)
                    {
                        StreamPrefetch.Ahead(block + (long)(j * b / 32) * Panel);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Extract512(block, Panel, j, b, mask).AsInt32()), Vector512.Create(xg[j]), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Extract512(block, Panel, j + 1, b, mask).AsInt32()), Vector512.Create(xg[j + 1]), a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Extract512(block, Panel, j + 2, b, mask).AsInt32()), Vector512.Create(xg[j + 2]), a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Extract512(block, Panel, j + 3, b, mask).AsInt32()), Vector512.Create(xg[j + 3]), a3);
                    }
            }
            // The group's last, partial block.
            for (int j = 0; j < count - r; j++)
                a0 = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Extract512(block, Panel, j, b, mask).AsInt32()), Vector512.Create(xg[j]), a0);
            var acc = (a0 + a1) + (a2 + a3);
            var scale = Vector512.Load(_scales + ScaleIndex(g, column));
            var zero = Vector512.Load(_zeros + ScaleIndex(g, column));
            total = Vector512.FusedMultiplyAdd(scale, acc - zero * Vector512.Create(sums[g]), total);
        }
        total.Store(y + column);
    }

    /// <summary>
    /// sum x q over a group's whole blocks (its first <paramref name="covered"/> rows) from the sum x (1 + q / 2^b) that
    /// the mantissa-bit loops collect there: 2^b (that - sum x).
    /// </summary>
    private static Vector512<float> Unbias512(Vector512<float> biased, int bits, float* xs, float groupSum, int r0, int covered, int count) =>
        Vector512.Create((float)(1 << bits)) * (biased - Vector512.Create(CoveredSum(xs, groupSum, r0, covered, count)));

    /// <summary>sum x over the first <paramref name="covered"/> rows of the group starting at stored row <paramref name="r0"/>.</summary>
    private static float CoveredSum(float* xs, float groupSum, int r0, int covered, int count)
    {
        float tail = 0;
        for (int j = covered; j < count; j++)
            tail += xs[r0 + j];
        return groupSum - tail;
    }

    /// <summary>The codes of row <paramref name="row"/> of a block, for the vector's columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Extract512(uint* block, int n, int row, int b, Vector512<uint> mask)
    {
        if (IsPlanar(b))
            return ExtractPlanar512(block, n, row, b);
        int bit = row * b, shift = bit & 31;
        uint* p = block + (long)(bit >> 5) * n;
        var q = Vector512.ShiftRightLogical(Vector512.Load(p), shift);
        if (shift + b > 32)
            q |= Vector512.ShiftLeft(Vector512.Load(p + n), 32 - shift);
        return q & mask;
    }

    private void Gemv256(float* xs, float* sums, float* y, int column)
    {
        int n = OutFeatures;
        var total = Vector256<float>.Zero;
        for (int g = 0; g < Groups; g++)
        {
            int b = _bits[g], r0 = _rowStart[g], count = _rowStart[g + 1] - r0;
            if (count == 0)
                continue;
            var mask = Vector256.Create((1u << b) - 1);
            // Four accumulators: one FMA chain would wait on its own latency every step.
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            uint* block = _words + WordIndex(_wordRow[g], column);
            float* xg = xs + r0;
            int r = 0;
            if (b == 4)
            {
                // The common case. Each nibble is moved into the top mantissa bits of 1.0f, read as the float
                // 1 + q/16 (a shift and one bit-select instead of shift, mask and convert), so the four sums
                // collect sum x (1 + q/16), and sum x q = 16 (that - sum x) over the rows they covered.
                var one = Vector256.Create(0x3F800000u);
                var mantissa = Vector256.Create(0x00780000u);
                for (; r + 32 <= count; r += 32, block += 4L * Panel, xg += 32)
                    for (int w = 0; w < 4; w++)
                    {
                        var word = Vector256.Load(block + (long)w * Panel);
                        float* xw = xg + 8 * w;
                        a0 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftLeft(word, 19), one).AsSingle(), Vector256.Create(xw[0]), a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftLeft(word, 15), one).AsSingle(), Vector256.Create(xw[1]), a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftLeft(word, 11), one).AsSingle(), Vector256.Create(xw[2]), a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftLeft(word, 7), one).AsSingle(), Vector256.Create(xw[3]), a3);
                        a0 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftLeft(word, 3), one).AsSingle(), Vector256.Create(xw[4]), a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftRightLogical(word, 1), one).AsSingle(), Vector256.Create(xw[5]), a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftRightLogical(word, 5), one).AsSingle(), Vector256.Create(xw[6]), a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.ConditionalSelect(mantissa, Vector256.ShiftRightLogical(word, 9), one).AsSingle(), Vector256.Create(xw[7]), a3);
                    }
                if (r > 0)
                {
                    a0 = Vector256.Create(16f) * ((a0 + a1) + (a2 + a3) - Vector256.Create(CoveredSum(xs, sums[g], r0, r, count)));
                    a1 = a2 = a3 = default;
                }
            }
            else if (b == 8)
            {
                for (; r + 32 <= count; r += 32, block += 8L * Panel, xg += 32)
                    for (int w = 0; w < 8; w++)
                    {
                        var word = Vector256.Load(block + (long)w * Panel);
                        float* xw = xg + 4 * w;
                        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((word & mask).AsInt32()), Vector256.Create(xw[0]), a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, 8) & mask).AsInt32()), Vector256.Create(xw[1]), a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, 16) & mask).AsInt32()), Vector256.Create(xw[2]), a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Vector256.ShiftRightLogical(word, 24).AsInt32()), Vector256.Create(xw[3]), a3);
                    }
            }
            else if (!IsPlanar(b) && 32 % b == 0)
            {
                int perWord = 32 / b;
                for (; r + 32 <= count; r += 32, block += (long)b * Panel, xg += 32)
                    for (int w = 0; w < b; w++)
                    {
                        var word = Vector256.Load(block + (long)w * Panel);
                        float* xw = xg + w * perWord;
                        for (int t = 0, shift = 0; t < perWord; t += 4, shift += 4 * b)
                        {
                            a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, shift) & mask).AsInt32()), Vector256.Create(xw[t]), a0);
                            a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, shift + b) & mask).AsInt32()), Vector256.Create(xw[t + 1]), a1);
                            a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, shift + 2 * b) & mask).AsInt32()), Vector256.Create(xw[t + 2]), a2);
                            a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, shift + 3 * b) & mask).AsInt32()), Vector256.Create(xw[t + 3]), a3);
                        }
                    }
            }
            else if (b is 5 or 6)
            {
                for (; r + 32 <= count; r += 32, block += (long)b * Panel, xg += 32)
                    a0 += b == 5 ? Block5x256(block, Panel, xg, mask) : Block6x256(block, Panel, xg, mask);
            }
            else
            {
                for (; r + 32 <= count; r += 32, block += (long)b * Panel, xg += 32)
                    for (int j = 0; j < 32; j += 4)
                    {
                        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Extract256(block, Panel, j, b, mask).AsInt32()), Vector256.Create(xg[j]), a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Extract256(block, Panel, j + 1, b, mask).AsInt32()), Vector256.Create(xg[j + 1]), a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Extract256(block, Panel, j + 2, b, mask).AsInt32()), Vector256.Create(xg[j + 2]), a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Extract256(block, Panel, j + 3, b, mask).AsInt32()), Vector256.Create(xg[j + 3]), a3);
                    }
            }
            // The group's last, partial block.
            for (int j = 0; j < count - r; j++)
                a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Extract256(block, Panel, j, b, mask).AsInt32()), Vector256.Create(xg[j]), a0);
            var acc = (a0 + a1) + (a2 + a3);
            var scale = Vector256.Load(_scales + ScaleIndex(g, column));
            var zero = Vector256.Load(_zeros + ScaleIndex(g, column));
            total = Vector256.FusedMultiplyAdd(scale, acc - zero * Vector256.Create(sums[g]), total);
        }
        total.Store(y + column);
    }

    /// <summary>The codes of row <paramref name="row"/> of a block, for the vector's columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Extract256(uint* block, int n, int row, int b, Vector256<uint> mask)
    {
        if (IsPlanar(b))
            return ExtractPlanar256(block, n, row, b);
        int bit = row * b, shift = bit & 31;
        uint* p = block + (long)(bit >> 5) * n;
        var q = Vector256.ShiftRightLogical(Vector256.Load(p), shift);
        if (shift + b > 32)
            q |= Vector256.ShiftLeft(Vector256.Load(p + n), 32 - shift);
        return q & mask;
    }

    /// <summary>16 columns for all activation rows: each 32 x 16 tile is dequantized once into the stack.</summary>
    private void Gemm512(float* xs, int rows, float* y, int column)
    {
        int n = OutFeatures, k = InFeatures;
        float* tile = stackalloc float[32 * 16];
        for (int m = 0; m < rows; m++)
            Vector512<float>.Zero.Store(y + (long)m * n + column);
        for (int g = 0; g < Groups; g++)
        {
            int b = _bits[g], r0 = _rowStart[g], count = _rowStart[g + 1] - r0;
            var mask = Vector512.Create((1u << b) - 1);
            var scale = Vector512.Load(_scales + ScaleIndex(g, column));
            var zero = Vector512.Load(_zeros + ScaleIndex(g, column));
            uint* block = _words + WordIndex(_wordRow[g], column);
            for (int r = 0; r < count; r += 32, block += (long)b * Panel)
            {
                int rowsHere = Math.Min(32, count - r);
                if (rowsHere == 32 && IsPlanar(b))
                {
                    if (b == 3)
                        PlaneTile3x512(block, scale, zero, tile);
                    else if (b == 2)
                        PlaneTile2x512(block, scale, zero, tile);
                    else
                        PlaneTile1x512(block, scale, zero, tile);
                }
                else if (rowsHere == 32 && (b == 4 || b == 8))
                {
                    // Whole words of 8 or 4 codes: constant shifts, no word-straddling.
                    int perWord = 32 / b;
                    for (int w = 0; w < b; w++)
                    {
                        var word = Vector512.Load(block + (long)w * Panel);
                        float* t = tile + w * perWord * 16;
                        for (int i = 0; i < perWord; i++)
                            (scale * (Vector512.ConvertToSingle((Vector512.ShiftRightLogical(word, i * b) & mask).AsInt32()) - zero)).Store(t + i * 16);
                    }
                }
                else
                {
                    for (int j = 0; j < rowsHere; j++)
                        (scale * (Vector512.ConvertToSingle(Extract512(block, Panel, j, b, mask).AsInt32()) - zero)).Store(tile + j * 16);
                }
                int m = 0;
                for (; m + 4 <= rows; m += 4)
                {
                    // Four activation rows share each tile load and give four independent FMA chains.
                    float* x0 = xs + (long)m * k + r0 + r;
                    float* y0 = y + (long)m * n + column;
                    var c0 = Vector512.Load(y0);
                    var c1 = Vector512.Load(y0 + n);
                    var c2 = Vector512.Load(y0 + 2L * n);
                    var c3 = Vector512.Load(y0 + 3L * n);
                    for (int j = 0; j < rowsHere; j++)
                    {
                        var t = Vector512.Load(tile + j * 16);
                        c0 = Vector512.FusedMultiplyAdd(t, Vector512.Create(x0[j]), c0);
                        c1 = Vector512.FusedMultiplyAdd(t, Vector512.Create(x0[k + j]), c1);
                        c2 = Vector512.FusedMultiplyAdd(t, Vector512.Create(x0[2L * k + j]), c2);
                        c3 = Vector512.FusedMultiplyAdd(t, Vector512.Create(x0[3L * k + j]), c3);
                    }
                    c0.Store(y0);
                    c1.Store(y0 + n);
                    c2.Store(y0 + 2L * n);
                    c3.Store(y0 + 3L * n);
                }
                for (; m < rows; m++)
                {
                    float* xr = xs + (long)m * k + r0 + r;
                    float* yr = y + (long)m * n + column;
                    var acc = Vector512.Load(yr);
                    for (int j = 0; j < rowsHere; j++)
                        acc = Vector512.FusedMultiplyAdd(Vector512.Load(tile + j * 16), Vector512.Create(xr[j]), acc);
                    acc.Store(yr);
                }
            }
        }
    }

    private void Gemm256(float* xs, int rows, float* y, int column)
    {
        int n = OutFeatures, k = InFeatures;
        float* tile = stackalloc float[32 * 8];
        for (int m = 0; m < rows; m++)
            Vector256<float>.Zero.Store(y + (long)m * n + column);
        for (int g = 0; g < Groups; g++)
        {
            int b = _bits[g], r0 = _rowStart[g], count = _rowStart[g + 1] - r0;
            var mask = Vector256.Create((1u << b) - 1);
            var scale = Vector256.Load(_scales + ScaleIndex(g, column));
            var zero = Vector256.Load(_zeros + ScaleIndex(g, column));
            uint* block = _words + WordIndex(_wordRow[g], column);
            for (int r = 0; r < count; r += 32, block += (long)b * Panel)
            {
                int rowsHere = Math.Min(32, count - r);
                if (rowsHere == 32 && (b == 4 || b == 8))
                {
                    // Whole words of 8 or 4 codes: constant shifts, no word-straddling.
                    int perWord = 32 / b;
                    for (int w = 0; w < b; w++)
                    {
                        var word = Vector256.Load(block + (long)w * Panel);
                        float* t = tile + w * perWord * 8;
                        for (int i = 0; i < perWord; i++)
                            (scale * (Vector256.ConvertToSingle((Vector256.ShiftRightLogical(word, i * b) & mask).AsInt32()) - zero)).Store(t + i * 8);
                    }
                }
                else
                {
                    for (int j = 0; j < rowsHere; j++)
                        (scale * (Vector256.ConvertToSingle(Extract256(block, Panel, j, b, mask).AsInt32()) - zero)).Store(tile + j * 8);
                }
                int m = 0;
                for (; m + 4 <= rows; m += 4)
                {
                    // Four activation rows share each tile load and give four independent FMA chains.
                    float* x0 = xs + (long)m * k + r0 + r;
                    float* y0 = y + (long)m * n + column;
                    var c0 = Vector256.Load(y0);
                    var c1 = Vector256.Load(y0 + n);
                    var c2 = Vector256.Load(y0 + 2L * n);
                    var c3 = Vector256.Load(y0 + 3L * n);
                    for (int j = 0; j < rowsHere; j++)
                    {
                        var t = Vector256.Load(tile + j * 8);
                        c0 = Vector256.FusedMultiplyAdd(t, Vector256.Create(x0[j]), c0);
                        c1 = Vector256.FusedMultiplyAdd(t, Vector256.Create(x0[k + j]), c1);
                        c2 = Vector256.FusedMultiplyAdd(t, Vector256.Create(x0[2L * k + j]), c2);
                        c3 = Vector256.FusedMultiplyAdd(t, Vector256.Create(x0[3L * k + j]), c3);
                    }
                    c0.Store(y0);
                    c1.Store(y0 + n);
                    c2.Store(y0 + 2L * n);
                    c3.Store(y0 + 3L * n);
                }
                for (; m < rows; m++)
                {
                    float* xr = xs + (long)m * k + r0 + r;
                    float* yr = y + (long)m * n + column;
                    var acc = Vector256.Load(yr);
                    for (int j = 0; j < rowsHere; j++)
                        acc = Vector256.FusedMultiplyAdd(Vector256.Load(tile + j * 8), Vector256.Create(xr[j]), acc);
                    acc.Store(yr);
                }
            }
        }
    }
}
