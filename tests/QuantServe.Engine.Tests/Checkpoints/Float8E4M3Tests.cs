using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class Float8E4M3Tests
{
    // Values worked out by hand from S.EEEE.MMM with bias 7.
    [Theory]
    [InlineData(0x00, 0.0)]
    [InlineData(0x38, 1.0)]            // 0.0111.000 = 2^0
    [InlineData(0x3C, 1.5)]            // 0.0111.100
    [InlineData(0x40, 2.0)]            // 0.1000.000
    [InlineData(0x37, 0.9375)]         // 0.0110.111 = 1.875 * 2^-1
    [InlineData(0x7E, 448.0)]          // 0.1111.110, the largest finite value
    [InlineData(0x78, 256.0)]          // 0.1111.000: exponent 15 is a normal exponent in e4m3fn
    [InlineData(0xFE, -448.0)]
    [InlineData(0xB8, -1.0)]
    [InlineData(0x08, 0.015625)]       // 0.0001.000 = 2^-6, smallest normal
    [InlineData(0x01, 0.001953125)]    // 0.0000.001 = 2^-9, smallest subnormal
    [InlineData(0x07, 0.013671875)]    // 0.0000.111 = 7 * 2^-9, largest subnormal
    [InlineData(0x87, -0.013671875)]
    public void ToSingle_MatchesTheE4M3FnDefinition(int bits, double expected)
    {
        Float8E4M3.ToSingle((byte)bits).Should().Be((float)expected);
    }

    [Fact]
    public void NegativeZero_KeepsItsSign()
    {
        float value = Float8E4M3.ToSingle(0x80);
        value.Should().Be(0f);
        float.IsNegative(value).Should().BeTrue();
    }

    [Fact]
    public void OnlyAllOnesExponentAndMantissaIsNaN_AndThereAreNoInfinities()
    {
        var nanPatterns = Enumerable.Range(0, 256).Where(bits => float.IsNaN(Float8E4M3.ToSingle((byte)bits))).ToArray();
        nanPatterns.Should().Equal(0x7F, 0xFF);
        Enumerable.Range(0, 256).Should().NotContain(bits => float.IsInfinity(Float8E4M3.ToSingle((byte)bits)));
    }

    [Fact]
    public void PositiveCodes_IncreaseStrictlyAndNegativeCodesMirrorThem()
    {
        for (int bits = 1; bits <= 0x7E; bits++)
        {
            Float8E4M3.ToSingle((byte)bits).Should().BeGreaterThan(Float8E4M3.ToSingle((byte)(bits - 1)), because: $"code 0x{bits:X2}");
            Float8E4M3.ToSingle((byte)(bits | 0x80)).Should().Be(-Float8E4M3.ToSingle((byte)bits));
        }
    }

    [Fact]
    public void SpanConversion_MatchesTheScalarOneAndChecksTheDestination()
    {
        byte[] source = Enumerable.Range(0, 256).Select(bits => (byte)bits).ToArray();
        var destination = new float[256];

        Float8E4M3.ToSingle(source, destination);

        destination.Should().Equal(source.Select(Float8E4M3.ToSingle));
        Action tooShort = () => Float8E4M3.ToSingle(source, new float[10]);
        tooShort.Should().Throw<ArgumentException>();
    }
}
