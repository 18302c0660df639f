using System.Runtime.Intrinsics;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

public class Fp8E4M3Tests
{
    // The OCP FP8 definition of e4m3 (the "fn" variant): bias 7, E = 0 subnormal, S.1111.111 NaN, no infinities.
    private static double Definition(int code)
    {
        int sign = code >> 7, exponent = (code >> 3) & 0xF, mantissa = code & 7;
        if (exponent == 15 && mantissa == 7)
        {
            return double.NaN;
        }

        double magnitude = exponent == 0 ? mantissa / 8.0 * Math.Pow(2, -6) : (1 + (mantissa / 8.0)) * Math.Pow(2, exponent - 7);
        return sign == 1 ? -magnitude : magnitude;
    }

    private static IEnumerable<int> FiniteCodes => Enumerable.Range(0, 256).Where(c => (c & 0x7F) != 0x7F);

    // Nearest finite code by brute force in float64, ties to the even mantissa, beyond 448 saturating.
    private static byte BruteForce(float value)
    {
        if (float.IsNaN(value))
        {
            return (byte)(BitConverter.SingleToUInt32Bits(value) >> 31 == 1 ? 0xFF : 0x7F);
        }

        bool negative = BitConverter.SingleToUInt32Bits(value) >> 31 == 1;
        double magnitude = Math.Min(Math.Abs((double)value), 448.0);
        int best = 0;
        double bestDistance = double.MaxValue;
        for (int code = 0; code < 0x7F; code++)
        {
            double distance = Math.Abs(Definition(code) - magnitude);
            if (distance < bestDistance || (distance == bestDistance && (code & 1) == 0))
            {
                best = code;
                bestDistance = distance;
            }
        }

        return (byte)(best | (negative ? 0x80 : 0));
    }

    [Fact]
    public void Decode_AllCodes_MatchTheDefinitionBitForBit()
    {
        for (int code = 0; code < 256; code++)
        {
            double expected = Definition(code);
            float actual = Fp8E4M3.ToSingle((byte)code);
            if (double.IsNaN(expected))
            {
                float.IsNaN(actual).Should().BeTrue($"code 0x{code:X2} is NaN");
            }
            else
            {
                BitConverter.SingleToUInt32Bits(actual).Should().Be(
                    BitConverter.SingleToUInt32Bits((float)expected), $"code 0x{code:X2} is {expected:R}");
            }
        }

        Fp8E4M3.ToSingle(0x7E).Should().Be(448f);
        Fp8E4M3.ToSingle(0x01).Should().Be(MathF.ScaleB(1f, -9));
        Fp8E4M3.ToSingle(0x80).Should().Be(-0f).And.Match(v => float.IsNegative(v));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MatMulDecode_EveryFiniteCode_GivesItsValueTimesTheRowScale(int m)
    {
        // One row holding every finite code (NaN codes become zero), read back by one-hot activations:
        // the decode GEMV (table decoder where the CPU has VBMI) must return each code's exact value.
        const int k = 256;
        var codes = new byte[k];
        for (int c = 0; c < k; c++)
        {
            codes[c] = (c & 0x7F) == 0x7F ? (byte)0 : (byte)c;
        }

        var weights = new Fp8RowWeights(codes, [0.5f], 1, k);
        var x = new float[m * k];
        var y = new float[m];
        for (int c = 0; c < k; c++)
        {
            Array.Clear(x);
            for (int r = 0; r < m; r++)
            {
                x[(r * k) + c] = 1f;
            }

            Fp8MatMul.Multiply(weights, x, y, m);
            y.Should().AllBeEquivalentTo((float)(Definition(codes[c]) * 0.5), $"code 0x{codes[c]:X2} at input {c}");
        }
    }

    [Fact]
    public void Encode_EveryFiniteCodeValue_RoundTripsToItsCode()
    {
        foreach (int code in FiniteCodes)
        {
            Fp8E4M3.FromSingle(Fp8E4M3.ToSingle((byte)code)).Should().Be((byte)code, $"0x{code:X2} decodes to {Fp8E4M3.ToSingle((byte)code):R}");
        }
    }

    [Fact]
    public void Encode_MidpointsBetweenNeighbours_RoundToTheEvenMantissa()
    {
        for (int code = 0; code < 0x7E; code++)
        {
            double low = Definition(code), high = Definition(code + 1);
            float midpoint = (float)((low + high) / 2); // exact in float32: one more mantissa bit than e4m3
            ((double)midpoint).Should().Be((low + high) / 2);
            byte even = (byte)((code & 1) == 0 ? code : code + 1);
            Fp8E4M3.FromSingle(midpoint).Should().Be(even, $"{midpoint:R} lies halfway between 0x{code:X2} and 0x{code + 1:X2}");
            Fp8E4M3.FromSingle(-midpoint).Should().Be((byte)(even | 0x80));
            Fp8E4M3.FromSingle(MathF.BitDecrement(midpoint)).Should().Be((byte)code);
            Fp8E4M3.FromSingle(MathF.BitIncrement(midpoint)).Should().Be((byte)(code + 1));
        }
    }

    [Fact]
    public void Encode_BeyondTheLargestFinite_SaturatesAndNaNStaysNaN()
    {
        foreach (float value in new[] { 448f, 449f, 464f, 480f, 1e6f, float.MaxValue, float.PositiveInfinity })
        {
            Fp8E4M3.FromSingle(value).Should().Be(0x7E, $"{value} saturates to +448");
            Fp8E4M3.FromSingle(-value).Should().Be(0xFE, $"{-value} saturates to -448");
        }

        // (.NET's float.NaN has the sign bit set, so positive and negative NaN are spelled out as bits.)
        Fp8E4M3.FromSingle(BitConverter.UInt32BitsToSingle(0x7FC00000)).Should().Be(0x7F);
        Fp8E4M3.FromSingle(BitConverter.UInt32BitsToSingle(0x7F800001)).Should().Be(0x7F, "a signalling NaN is NaN too");
        Fp8E4M3.FromSingle(BitConverter.UInt32BitsToSingle(0xFFC00000)).Should().Be(0xFF);
        Fp8E4M3.FromSingle(MathF.ScaleB(1f, -10)).Should().Be(0x00, "2^-10 is halfway between 0 and the smallest subnormal: ties to even");
        Fp8E4M3.FromSingle(MathF.BitIncrement(MathF.ScaleB(1f, -10))).Should().Be(0x01);
        Fp8E4M3.FromSingle(1e-30f).Should().Be(0x00);
        Fp8E4M3.FromSingle(-1e-30f).Should().Be(0x80);
    }

    [Fact]
    public void Encode_RandomFloatsAcrossTheRange_MatchesBruteForceNearest()
    {
        var random = new Random(8);
        for (int i = 0; i < 20000; i++)
        {
            // Log-uniform magnitudes from 2^-12 to 2^10 cover zero rounding, subnormals, normals and saturation.
            float value = (float)(Math.Pow(2, -12 + (22 * random.NextDouble())) * (random.Next(2) == 0 ? -1 : 1));
            Fp8E4M3.FromSingle(value).Should().Be(BruteForce(value), $"{value:R}");
        }
    }

    [Fact]
    public void VectorDecode_AllCodes_MatchesTheTable()
    {
        var codes = Enumerable.Range(0, 256).Select(c => (uint)c).ToArray();
        for (int start = 0; start < 256; start += 16)
        {
            Vector512<float> wide = Fp8E4M3.Decode(Vector512.Create(codes.AsSpan(start, 16)));
            Vector256<float> narrow = Fp8E4M3.Decode(Vector256.Create(codes.AsSpan(start, 8)));
            for (int i = 0; i < 16; i++)
            {
                SameOrBothNaN(wide[i], Fp8E4M3.ToSingle((byte)(start + i)), start + i);
            }

            for (int i = 0; i < 8; i++)
            {
                SameOrBothNaN(narrow[i], Fp8E4M3.ToSingle((byte)(start + i)), start + i);
            }
        }
    }

    [Fact]
    public void VectorDecodeFinite_AllFiniteCodes_MatchTheTable()
    {
        uint[] codes = FiniteCodes.Select(c => (uint)c).ToArray();
        for (int start = 0; start + 16 <= codes.Length; start += 8)
        {
            Vector512<float> wide = Fp8E4M3.DecodeFinite(Vector512.Create(codes.AsSpan(start, 16)));
            Vector256<float> narrow = Fp8E4M3.DecodeFinite(Vector256.Create(codes.AsSpan(start, 8)));
            for (int i = 0; i < 16; i++)
            {
                SameOrBothNaN(wide[i], Fp8E4M3.ToSingle((byte)codes[start + i]), (int)codes[start + i]);
            }

            for (int i = 0; i < 8; i++)
            {
                SameOrBothNaN(narrow[i], Fp8E4M3.ToSingle((byte)codes[start + i]), (int)codes[start + i]);
            }
        }
    }

    [Fact]
    public void Fp8Weights_WithANaNCode_AreRefusedNamingTheElement()
    {
        var codes = new byte[6];
        codes[4] = 0xFF;
        var act = () => new Fp8RowWeights(codes, [1f, 1f], 2, 3);
        act.Should().Throw<ArgumentException>().WithMessage("*fp8 weight [1, 1] is NaN (code 0xFF)*");
    }

    private static void SameOrBothNaN(float actual, float expected, int code)
    {
        if (float.IsNaN(expected))
        {
            float.IsNaN(actual).Should().BeTrue($"code 0x{code:X2} is NaN");
        }
        else
        {
            BitConverter.SingleToUInt32Bits(actual).Should().Be(BitConverter.SingleToUInt32Bits(expected), $"code 0x{code:X2}");
        }
    }
}
