namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// Maps floats to unsigned integers in the same order, so sorting and selection run on primitive
/// keys: no comparer delegates (no allocation) and a deterministic tie-break on the token index.
/// -0 is folded onto +0 because the two compare equal; callers never pass NaN.
/// </summary>
internal static class OrderedFloatKey
{
    public static uint ToOrderedBits(float value)
    {
        // Negative floats: flip every bit (larger magnitude sorts lower); positive: set the sign bit.
        var bits = BitConverter.SingleToUInt32Bits(value + 0.0f); // -0 + 0 == +0
        return bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u);
    }

    public static float FromOrderedBits(uint ordered) =>
        BitConverter.UInt32BitsToSingle(ordered ^ ((uint)(~(int)ordered >> 31) | 0x8000_0000u));

    /// <summary>Ascending by value, then by index: the order of torch's stable ascending sort.</summary>
    public static ulong Ascending(float value, int index) =>
        ((ulong)ToOrderedBits(value) << 32) | (uint)index;

    public static int IndexOf(ulong key) => (int)(uint)key;

    public static float ValueOf(ulong key) => FromOrderedBits((uint)(key >> 32));
}
