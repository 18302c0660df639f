namespace QuantServe.Tools.TrainBundledModel.Modeling;

/// <summary>float32 to bfloat16 with round-to-nearest-even, the conversion torch uses.</summary>
public static class BFloat16Rounding
{
    public static ushort ToBits(float value)
    {
        if (float.IsNaN(value))
            throw new ArgumentException("a parameter is NaN: training diverged", nameof(value));
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>The bfloat16 bits of each value and the values they represent as float32.</summary>
    public static ushort[] Round(ReadOnlySpan<float> values, out float[] rounded)
    {
        var bits = new ushort[values.Length];
        rounded = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = ToBits(values[i]);
            rounded[i] = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
        }
        return bits;
    }
}
