using System.Runtime.CompilerServices;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// The packing gptq and exl2 checkpoints share: b-bit unsigned values laid end to end in a
/// little-endian stream of 32-bit words, value i at bit i*b, so 3-, 5- and 6-bit values cross words.
/// Word w of a stream is <c>first[w * stride]</c> (the stream runs down a column of an int32 matrix).
/// </summary>
public static unsafe class GptqBitStream
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Read(int* first, long stride, long index, int bits)
    {
        long bit = index * bits;
        long word = bit >> 5;
        int shift = (int)(bit & 31);
        ulong pair = (uint)first[word * stride];
        if (shift + bits > 32)
            pair |= (ulong)(uint)first[(word + 1) * stride] << 32;
        return (uint)(pair >> shift) & ((1u << bits) - 1);
    }
}
