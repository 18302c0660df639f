using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

// Decoding 2 or 3 sequences at once. The GEMV of one activation row is compute-bound (per 16 weights a
// shift, a select and an FMA), and running it once per row decodes every code again for each row. For
// matrices of 4-bit groups only (gptq 4-bit, awq, marlin) the rows share the decode: per 16 weights one
// shift and one select, then one FMA per row.
public sealed unsafe partial class GptqMatrix
{
    /// <summary>
    /// 16 columns of y for <typeparamref name="TRows"/> (2 or 3) activation rows of a matrix whose groups are all
    /// 4-bit: xs, sums and y hold the rows one after another (K, Groups and N apart).
    /// </summary>
    private void FourBitRows512<TRows>(float* xs, float* sums, float* y, int column)
        where TRows : struct, IRowCount
    {
        int k = InFeatures, groups = Groups, rows = TRows.Value;
        var one = Vector512.Create(0x3F800000u);
        var mantissa = Vector512.Create(0x00780000u);
        var mask = Vector512.Create(15u);
        Vector512<float> total0 = default, total1 = default, total2 = default;
        for (int g = 0; g < groups; g++)
        {
            int r0 = _rowStart[g], count = _rowStart[g + 1] - r0;
            if (count == 0)
                continue;
            // Two accumulators per row: each FMA chain then waits on itself every other step at most.
            Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default;
            uint* block = _words + WordIndex(_wordRow[g], column);
            float* x0 = xs + r0, x1 = x0 + k, x2 = x1 + k;
            int r = 0;
            for (; r + 32 <= count; r += 32, block += 4L * Panel, x0 += 32, x1 += 32, x2 += 32)
                for (int w = 0; w < 4; w++)
                {
                    StreamPrefetch.Ahead(block + (long)w * Panel);
                    var word = Vector512.Load(block + (long)w * Panel);
                    int j = 8 * w;
                    Rows<TRows>(Biased(Vector512.ShiftLeft(word, 19), mantissa, one), x0, x1, x2, j, ref a0, ref b0, ref c0);
                    Rows<TRows>(Biased(Vector512.ShiftLeft(word, 15), mantissa, one), x0, x1, x2, j + 1, ref a1, ref b1, ref c1);
                    Rows<TRows>(Biased(Vector512.ShiftLeft(word, 11), mantissa, one), x0, x1, x2, j + 2, ref a0, ref b0, ref c0);
                    Rows<TRows>(Biased(Vector512.ShiftLeft(word, 7), mantissa, one), x0, x1, x2, j + 3, ref a1, ref b1, ref c1);
                    Rows<TRows>(Biased(Vector512.ShiftLeft(word, 3), mantissa, one), x0, x1, x2, j + 4, ref a0, ref b0, ref c0);
                    Rows<TRows>(Biased(Vector512.ShiftRightLogical(word, 1), mantissa, one), x0, x1, x2, j + 5, ref a1, ref b1, ref c1);
                    Rows<TRows>(Biased(Vector512.ShiftRightLogical(word, 5), mantissa, one), x0, x1, x2, j + 6, ref a0, ref b0, ref c0);
                    Rows<TRows>(Biased(Vector512.ShiftRightLogical(word, 9), mantissa, one), x0, x1, x2, j + 7, ref a1, ref b1, ref c1);
                }

            // The whole blocks summed x (1 + q/16) per row (see Gemv512).
            var sum0 = r == 0 ? default : Unbias512(a0 + a1, 4, xs, sums[g], r0, r, count);
            var sum1 = rows < 2 || r == 0 ? default : Unbias512(b0 + b1, 4, xs + k, sums[groups + g], r0, r, count);
            var sum2 = rows < 3 || r == 0 ? default : Unbias512(c0 + c1, 4, xs + (2L * k), sums[(2 * groups) + g], r0, r, count);
            // The group's last, partial block.
            for (int j = 0; j < count - r; j++)
            {
                var q = Vector512.ConvertToSingle(Extract512(block, Panel, j, 4, mask).AsInt32());
                sum0 = Vector512.FusedMultiplyAdd(q, Vector512.Create(x0[j]), sum0);
                if (rows > 1)
                    sum1 = Vector512.FusedMultiplyAdd(q, Vector512.Create(x1[j]), sum1);
                if (rows > 2)
                    sum2 = Vector512.FusedMultiplyAdd(q, Vector512.Create(x2[j]), sum2);
            }

            var scale = Vector512.Load(_scales + ScaleIndex(g, column));
            var zero = Vector512.Load(_zeros + ScaleIndex(g, column));
            total0 = Vector512.FusedMultiplyAdd(scale, sum0 - zero * Vector512.Create(sums[g]), total0);
            if (rows > 1)
                total1 = Vector512.FusedMultiplyAdd(scale, sum1 - zero * Vector512.Create(sums[groups + g]), total1);
            if (rows > 2)
                total2 = Vector512.FusedMultiplyAdd(scale, sum2 - zero * Vector512.Create(sums[(2 * groups) + g]), total2);
        }

        int n = OutFeatures;
        total0.Store(y + column);
        if (rows > 1)
            total1.Store(y + n + column);
        if (rows > 2)
            total2.Store(y + (2L * n) + column);
    }

    // The code moved into the top mantissa bits of 1.0f: the float 1 + q / 16.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Biased(Vector512<uint> moved, Vector512<uint> mantissa, Vector512<uint> one) =>
        Vector512.ConditionalSelect(mantissa, moved, one).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows<TRows>(
        Vector512<float> code, float* x0, float* x1, float* x2, int j, ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> c)
        where TRows : struct, IRowCount
    {
        a = Vector512.FusedMultiplyAdd(code, Vector512.Create(x0[j]), a);
        if (TRows.Value > 1)
            b = Vector512.FusedMultiplyAdd(code, Vector512.Create(x1[j]), b);
        if (TRows.Value > 2)
            c = Vector512.FusedMultiplyAdd(code, Vector512.Create(x2[j]), c);
    }
}
