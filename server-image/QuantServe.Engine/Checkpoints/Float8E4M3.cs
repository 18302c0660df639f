namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// float8 e4m3fn (the F8_E4M3 dtype) to float32, through a 256-entry table computed from the definition:
/// bits S.EEEE.MMM, exponent bias 7; E = 0 is subnormal (M/8 * 2^-6); no infinities; S.1111.111 is NaN,
/// so the largest finite value is 0.1111.110 = 448.
/// </summary>
public static class Float8E4M3
{
    private static readonly float[] Table = BuildTable();

    /// <summary>The largest finite value, 448.</summary>
    public const float MaxValue = 448f;

    /// <summary>The value of one F8_E4M3 byte.</summary>
    public static float ToSingle(byte bits) => Table[bits];

    /// <summary>Converts <paramref name="source"/> element by element into <paramref name="destination"/>.</summary>
    public static void ToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException(
                $"destination holds {destination.Length} floats but source has {source.Length} values", nameof(destination));
        }

        float[] table = Table;
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static float[] BuildTable()
    {
        var table = new float[256];
        for (int bits = 0; bits < 256; bits++)
        {
            int sign = bits >> 7;
            int exponent = (bits >> 3) & 0xF;
            int mantissa = bits & 0x7;
            float magnitude;
            if (exponent == 0xF && mantissa == 0x7)
            {
                magnitude = float.NaN;
            }
            else if (exponent == 0)
            {
                magnitude = mantissa / 8f * MathF.Pow(2, -6);
            }
            else
            {
                magnitude = (1 + (mantissa / 8f)) * MathF.Pow(2, exponent - 7);
            }

            table[bits] = sign == 1 ? -magnitude : magnitude;
        }

        return table;
    }
}
