using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Quantized;

// GEMV inner blocks for the bit widths whose codes cross 32-bit words (3, 5, 6): one full 32-row block
// of 16 (or 8) columns with every shift a constant, so the JIT emits immediate shifts and no branches.
// Row j of a block sits at bit j*b of the column's stream (see GptqMatrix); the blocks are written
// out row by row so that every shift is a literal. Covered by GptqFormatTests and Exl2FormatTests.
public sealed unsafe partial class GptqMatrix
{
    /// <summary>
    /// sum_j x[j] * (1 + q_j / 8) over one 3-bit 32-row block (Vector512): each code is moved into the top
    /// mantissa bits of 1.0f (a shift and a bit-select instead of shift, mask and convert; see the 4-bit GEMV);
    /// the caller turns the sum into sum x q = 8 (sum - sum x). The 5- and 6-bit blocks work the same way.
    /// </summary>
    private static Vector512<float> Block3Biased512(uint* block, long n, float* x)
    {
        var one = Vector512.Create(0x3F800000u);
        var mantissa = Vector512.Create(0x00700000u);
        var mask = Vector512.Create(7u);
        var w0 = Vector512.Load(block + 0L * n);
        var w1 = Vector512.Load(block + 1L * n);
        var w2 = Vector512.Load(block + 2L * n);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 20), one).AsSingle(), Vector512.Create(x[0]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 17), one).AsSingle(), Vector512.Create(x[1]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 14), one).AsSingle(), Vector512.Create(x[2]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 11), one).AsSingle(), Vector512.Create(x[3]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 8), one).AsSingle(), Vector512.Create(x[4]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 5), one).AsSingle(), Vector512.Create(x[5]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 2), one).AsSingle(), Vector512.Create(x[6]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 1), one).AsSingle(), Vector512.Create(x[7]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 4), one).AsSingle(), Vector512.Create(x[8]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 7), one).AsSingle(), Vector512.Create(x[9]), a1);
        a2 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w0, w1, 30, 3, mask), 20) | one).AsSingle(), Vector512.Create(x[10]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 19), one).AsSingle(), Vector512.Create(x[11]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 16), one).AsSingle(), Vector512.Create(x[12]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 13), one).AsSingle(), Vector512.Create(x[13]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 10), one).AsSingle(), Vector512.Create(x[14]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 7), one).AsSingle(), Vector512.Create(x[15]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 4), one).AsSingle(), Vector512.Create(x[16]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 1), one).AsSingle(), Vector512.Create(x[17]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w1, 2), one).AsSingle(), Vector512.Create(x[18]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w1, 5), one).AsSingle(), Vector512.Create(x[19]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w1, 8), one).AsSingle(), Vector512.Create(x[20]), a0);
        a1 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w1, w2, 31, 3, mask), 20) | one).AsSingle(), Vector512.Create(x[21]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 18), one).AsSingle(), Vector512.Create(x[22]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 15), one).AsSingle(), Vector512.Create(x[23]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 12), one).AsSingle(), Vector512.Create(x[24]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 9), one).AsSingle(), Vector512.Create(x[25]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 6), one).AsSingle(), Vector512.Create(x[26]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 3), one).AsSingle(), Vector512.Create(x[27]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, w2, one).AsSingle(), Vector512.Create(x[28]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 3), one).AsSingle(), Vector512.Create(x[29]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 6), one).AsSingle(), Vector512.Create(x[30]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 9), one).AsSingle(), Vector512.Create(x[31]), a3);
        return (a0 + a1) + (a2 + a3);
    }

    /// <summary>sum_j x[j] * (1 + q_j / 32) over one 5-bit 32-row block (Vector512); see <see cref="Block3Biased512"/>.</summary>
    private static Vector512<float> Block5Biased512(uint* block, long n, float* x)
    {
        var one = Vector512.Create(0x3F800000u);
        var mantissa = Vector512.Create(0x007C0000u);
        var mask = Vector512.Create(31u);
        var w0 = Vector512.Load(block + 0L * n);
        var w1 = Vector512.Load(block + 1L * n);
        var w2 = Vector512.Load(block + 2L * n);
        var w3 = Vector512.Load(block + 3L * n);
        var w4 = Vector512.Load(block + 4L * n);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 18), one).AsSingle(), Vector512.Create(x[0]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 13), one).AsSingle(), Vector512.Create(x[1]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 8), one).AsSingle(), Vector512.Create(x[2]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 3), one).AsSingle(), Vector512.Create(x[3]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 2), one).AsSingle(), Vector512.Create(x[4]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 7), one).AsSingle(), Vector512.Create(x[5]), a1);
        a2 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w0, w1, 30, 5, mask), 18) | one).AsSingle(), Vector512.Create(x[6]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 15), one).AsSingle(), Vector512.Create(x[7]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 10), one).AsSingle(), Vector512.Create(x[8]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 5), one).AsSingle(), Vector512.Create(x[9]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, w1, one).AsSingle(), Vector512.Create(x[10]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w1, 5), one).AsSingle(), Vector512.Create(x[11]), a3);
        a0 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w1, w2, 28, 5, mask), 18) | one).AsSingle(), Vector512.Create(x[12]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 17), one).AsSingle(), Vector512.Create(x[13]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 12), one).AsSingle(), Vector512.Create(x[14]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 7), one).AsSingle(), Vector512.Create(x[15]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 2), one).AsSingle(), Vector512.Create(x[16]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 3), one).AsSingle(), Vector512.Create(x[17]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 8), one).AsSingle(), Vector512.Create(x[18]), a2);
        a3 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w2, w3, 31, 5, mask), 18) | one).AsSingle(), Vector512.Create(x[19]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w3, 14), one).AsSingle(), Vector512.Create(x[20]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w3, 9), one).AsSingle(), Vector512.Create(x[21]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w3, 4), one).AsSingle(), Vector512.Create(x[22]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w3, 1), one).AsSingle(), Vector512.Create(x[23]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w3, 6), one).AsSingle(), Vector512.Create(x[24]), a0);
        a1 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w3, w4, 29, 5, mask), 18) | one).AsSingle(), Vector512.Create(x[25]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 16), one).AsSingle(), Vector512.Create(x[26]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 11), one).AsSingle(), Vector512.Create(x[27]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 6), one).AsSingle(), Vector512.Create(x[28]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 1), one).AsSingle(), Vector512.Create(x[29]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w4, 4), one).AsSingle(), Vector512.Create(x[30]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w4, 9), one).AsSingle(), Vector512.Create(x[31]), a3);
        return (a0 + a1) + (a2 + a3);
    }

    /// <summary>sum_j x[j] * (1 + q_j / 64) over one 6-bit 32-row block (Vector512); see <see cref="Block3Biased512"/>.</summary>
    private static Vector512<float> Block6Biased512(uint* block, long n, float* x)
    {
        var one = Vector512.Create(0x3F800000u);
        var mantissa = Vector512.Create(0x007E0000u);
        var mask = Vector512.Create(63u);
        var w0 = Vector512.Load(block + 0L * n);
        var w1 = Vector512.Load(block + 1L * n);
        var w2 = Vector512.Load(block + 2L * n);
        var w3 = Vector512.Load(block + 3L * n);
        var w4 = Vector512.Load(block + 4L * n);
        var w5 = Vector512.Load(block + 5L * n);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 17), one).AsSingle(), Vector512.Create(x[0]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 11), one).AsSingle(), Vector512.Create(x[1]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w0, 5), one).AsSingle(), Vector512.Create(x[2]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 1), one).AsSingle(), Vector512.Create(x[3]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w0, 7), one).AsSingle(), Vector512.Create(x[4]), a0);
        a1 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w0, w1, 30, 6, mask), 17) | one).AsSingle(), Vector512.Create(x[5]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 13), one).AsSingle(), Vector512.Create(x[6]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 7), one).AsSingle(), Vector512.Create(x[7]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w1, 1), one).AsSingle(), Vector512.Create(x[8]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w1, 5), one).AsSingle(), Vector512.Create(x[9]), a1);
        a2 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w1, w2, 28, 6, mask), 17) | one).AsSingle(), Vector512.Create(x[10]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 15), one).AsSingle(), Vector512.Create(x[11]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 9), one).AsSingle(), Vector512.Create(x[12]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w2, 3), one).AsSingle(), Vector512.Create(x[13]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 3), one).AsSingle(), Vector512.Create(x[14]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w2, 9), one).AsSingle(), Vector512.Create(x[15]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w3, 17), one).AsSingle(), Vector512.Create(x[16]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w3, 11), one).AsSingle(), Vector512.Create(x[17]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w3, 5), one).AsSingle(), Vector512.Create(x[18]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w3, 1), one).AsSingle(), Vector512.Create(x[19]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w3, 7), one).AsSingle(), Vector512.Create(x[20]), a0);
        a1 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w3, w4, 30, 6, mask), 17) | one).AsSingle(), Vector512.Create(x[21]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 13), one).AsSingle(), Vector512.Create(x[22]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 7), one).AsSingle(), Vector512.Create(x[23]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w4, 1), one).AsSingle(), Vector512.Create(x[24]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w4, 5), one).AsSingle(), Vector512.Create(x[25]), a1);
        a2 = Vector512.FusedMultiplyAdd((Vector512.ShiftLeft(Codes512(w4, w5, 28, 6, mask), 17) | one).AsSingle(), Vector512.Create(x[26]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w5, 15), one).AsSingle(), Vector512.Create(x[27]), a3);
        a0 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w5, 9), one).AsSingle(), Vector512.Create(x[28]), a0);
        a1 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftLeft(w5, 3), one).AsSingle(), Vector512.Create(x[29]), a1);
        a2 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w5, 3), one).AsSingle(), Vector512.Create(x[30]), a2);
        a3 = Vector512.FusedMultiplyAdd(Vector512.ConditionalSelect(mantissa, Vector512.ShiftRightLogical(w5, 9), one).AsSingle(), Vector512.Create(x[31]), a3);
        return (a0 + a1) + (a2 + a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Codes512(Vector512<uint> low, Vector512<uint> high, int shift, int bits, Vector512<uint> mask)
    {
        var q = shift == 0 ? low : Vector512.ShiftRightLogical(low, shift);
        if (shift + bits > 32)
            q |= Vector512.ShiftLeft(high, 32 - shift);
        return shift + bits == 32 ? q : q & mask;
    }

    /// <summary>sum_j x[j] * q_j over one 3-bit 32-row block (Vector256).</summary>
    private static Vector256<float> Block3x256(uint* block, long n, float* x, Vector256<uint> mask)
    {
        var w0 = Vector256.Load(block + 0L * n);
        var w1 = Vector256.Load(block + 1L * n);
        var w2 = Vector256.Load(block + 2L * n);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 0, 3, mask).AsInt32()), Vector256.Create(x[0]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 3, 3, mask).AsInt32()), Vector256.Create(x[1]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 6, 3, mask).AsInt32()), Vector256.Create(x[2]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 9, 3, mask).AsInt32()), Vector256.Create(x[3]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 12, 3, mask).AsInt32()), Vector256.Create(x[4]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 15, 3, mask).AsInt32()), Vector256.Create(x[5]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 18, 3, mask).AsInt32()), Vector256.Create(x[6]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 21, 3, mask).AsInt32()), Vector256.Create(x[7]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 24, 3, mask).AsInt32()), Vector256.Create(x[8]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 27, 3, mask).AsInt32()), Vector256.Create(x[9]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w1, 30, 3, mask).AsInt32()), Vector256.Create(x[10]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 1, 3, mask).AsInt32()), Vector256.Create(x[11]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 4, 3, mask).AsInt32()), Vector256.Create(x[12]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 7, 3, mask).AsInt32()), Vector256.Create(x[13]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 10, 3, mask).AsInt32()), Vector256.Create(x[14]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 13, 3, mask).AsInt32()), Vector256.Create(x[15]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 16, 3, mask).AsInt32()), Vector256.Create(x[16]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 19, 3, mask).AsInt32()), Vector256.Create(x[17]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 22, 3, mask).AsInt32()), Vector256.Create(x[18]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 25, 3, mask).AsInt32()), Vector256.Create(x[19]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 28, 3, mask).AsInt32()), Vector256.Create(x[20]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w2, 31, 3, mask).AsInt32()), Vector256.Create(x[21]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 2, 3, mask).AsInt32()), Vector256.Create(x[22]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 5, 3, mask).AsInt32()), Vector256.Create(x[23]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 8, 3, mask).AsInt32()), Vector256.Create(x[24]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 11, 3, mask).AsInt32()), Vector256.Create(x[25]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 14, 3, mask).AsInt32()), Vector256.Create(x[26]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 17, 3, mask).AsInt32()), Vector256.Create(x[27]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 20, 3, mask).AsInt32()), Vector256.Create(x[28]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 23, 3, mask).AsInt32()), Vector256.Create(x[29]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 26, 3, mask).AsInt32()), Vector256.Create(x[30]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 29, 3, mask).AsInt32()), Vector256.Create(x[31]), a3);
        return (a0 + a1) + (a2 + a3);
    }

    /// <summary>sum_j x[j] * q_j over one 5-bit 32-row block (Vector256).</summary>
    private static Vector256<float> Block5x256(uint* block, long n, float* x, Vector256<uint> mask)
    {
        var w0 = Vector256.Load(block + 0L * n);
        var w1 = Vector256.Load(block + 1L * n);
        var w2 = Vector256.Load(block + 2L * n);
        var w3 = Vector256.Load(block + 3L * n);
        var w4 = Vector256.Load(block + 4L * n);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 0, 5, mask).AsInt32()), Vector256.Create(x[0]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 5, 5, mask).AsInt32()), Vector256.Create(x[1]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 10, 5, mask).AsInt32()), Vector256.Create(x[2]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 15, 5, mask).AsInt32()), Vector256.Create(x[3]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 20, 5, mask).AsInt32()), Vector256.Create(x[4]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 25, 5, mask).AsInt32()), Vector256.Create(x[5]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w1, 30, 5, mask).AsInt32()), Vector256.Create(x[6]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 3, 5, mask).AsInt32()), Vector256.Create(x[7]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 8, 5, mask).AsInt32()), Vector256.Create(x[8]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 13, 5, mask).AsInt32()), Vector256.Create(x[9]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 18, 5, mask).AsInt32()), Vector256.Create(x[10]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 23, 5, mask).AsInt32()), Vector256.Create(x[11]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w2, 28, 5, mask).AsInt32()), Vector256.Create(x[12]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 1, 5, mask).AsInt32()), Vector256.Create(x[13]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 6, 5, mask).AsInt32()), Vector256.Create(x[14]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 11, 5, mask).AsInt32()), Vector256.Create(x[15]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 16, 5, mask).AsInt32()), Vector256.Create(x[16]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 21, 5, mask).AsInt32()), Vector256.Create(x[17]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 26, 5, mask).AsInt32()), Vector256.Create(x[18]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w3, 31, 5, mask).AsInt32()), Vector256.Create(x[19]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 4, 5, mask).AsInt32()), Vector256.Create(x[20]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 9, 5, mask).AsInt32()), Vector256.Create(x[21]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 14, 5, mask).AsInt32()), Vector256.Create(x[22]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 19, 5, mask).AsInt32()), Vector256.Create(x[23]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 24, 5, mask).AsInt32()), Vector256.Create(x[24]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w4, 29, 5, mask).AsInt32()), Vector256.Create(x[25]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 2, 5, mask).AsInt32()), Vector256.Create(x[26]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 7, 5, mask).AsInt32()), Vector256.Create(x[27]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 12, 5, mask).AsInt32()), Vector256.Create(x[28]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 17, 5, mask).AsInt32()), Vector256.Create(x[29]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 22, 5, mask).AsInt32()), Vector256.Create(x[30]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 27, 5, mask).AsInt32()), Vector256.Create(x[31]), a3);
        return (a0 + a1) + (a2 + a3);
    }

    /// <summary>sum_j x[j] * q_j over one 6-bit 32-row block (Vector256).</summary>
    private static Vector256<float> Block6x256(uint* block, long n, float* x, Vector256<uint> mask)
    {
        var w0 = Vector256.Load(block + 0L * n);
        var w1 = Vector256.Load(block + 1L * n);
        var w2 = Vector256.Load(block + 2L * n);
        var w3 = Vector256.Load(block + 3L * n);
        var w4 = Vector256.Load(block + 4L * n);
        var w5 = Vector256.Load(block + 5L * n);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 0, 6, mask).AsInt32()), Vector256.Create(x[0]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 6, 6, mask).AsInt32()), Vector256.Create(x[1]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 12, 6, mask).AsInt32()), Vector256.Create(x[2]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 18, 6, mask).AsInt32()), Vector256.Create(x[3]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w0, 24, 6, mask).AsInt32()), Vector256.Create(x[4]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w0, w1, 30, 6, mask).AsInt32()), Vector256.Create(x[5]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 4, 6, mask).AsInt32()), Vector256.Create(x[6]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 10, 6, mask).AsInt32()), Vector256.Create(x[7]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 16, 6, mask).AsInt32()), Vector256.Create(x[8]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w1, 22, 6, mask).AsInt32()), Vector256.Create(x[9]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w1, w2, 28, 6, mask).AsInt32()), Vector256.Create(x[10]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 2, 6, mask).AsInt32()), Vector256.Create(x[11]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 8, 6, mask).AsInt32()), Vector256.Create(x[12]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 14, 6, mask).AsInt32()), Vector256.Create(x[13]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 20, 6, mask).AsInt32()), Vector256.Create(x[14]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w2, w2, 26, 6, mask).AsInt32()), Vector256.Create(x[15]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 0, 6, mask).AsInt32()), Vector256.Create(x[16]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 6, 6, mask).AsInt32()), Vector256.Create(x[17]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 12, 6, mask).AsInt32()), Vector256.Create(x[18]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 18, 6, mask).AsInt32()), Vector256.Create(x[19]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w3, 24, 6, mask).AsInt32()), Vector256.Create(x[20]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w3, w4, 30, 6, mask).AsInt32()), Vector256.Create(x[21]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 4, 6, mask).AsInt32()), Vector256.Create(x[22]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 10, 6, mask).AsInt32()), Vector256.Create(x[23]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 16, 6, mask).AsInt32()), Vector256.Create(x[24]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w4, 22, 6, mask).AsInt32()), Vector256.Create(x[25]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w4, w5, 28, 6, mask).AsInt32()), Vector256.Create(x[26]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w5, w5, 2, 6, mask).AsInt32()), Vector256.Create(x[27]), a3);
        a0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w5, w5, 8, 6, mask).AsInt32()), Vector256.Create(x[28]), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w5, w5, 14, 6, mask).AsInt32()), Vector256.Create(x[29]), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w5, w5, 20, 6, mask).AsInt32()), Vector256.Create(x[30]), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Codes256(w5, w5, 26, 6, mask).AsInt32()), Vector256.Create(x[31]), a3);
        return (a0 + a1) + (a2 + a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Codes256(Vector256<uint> low, Vector256<uint> high, int shift, int bits, Vector256<uint> mask)
    {
        var q = shift == 0 ? low : Vector256.ShiftRightLogical(low, shift);
        if (shift + bits > 32)
            q |= Vector256.ShiftLeft(high, 32 - shift);
        return shift + bits == 32 ? q : q & mask;
    }
}
