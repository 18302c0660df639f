using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Tests.Cpu;

public class FloatConversionsTests
{
    private static ushort[] AllCodes() => Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();

    private static bool IsBFloatNaN(ushort bits) => (bits & 0x7F80) == 0x7F80 && (bits & 0x7F) != 0;

    private static bool IsHalfNaN(ushort bits) => (bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0;

    [Fact]
    public void BF16_RoundTripsAllCodesBitExact_NaNStaysNaN()
    {
        ushort[] codes = AllCodes();
        var wide = new float[codes.Length];
        var back = new ushort[codes.Length];
        var wideReference = new float[codes.Length];
        var backReference = new ushort[codes.Length];

        FloatConversions.BF16ToF32(codes, wide);
        FloatConversions.F32ToBF16(wide, back);
        FloatConversions.BF16ToF32Reference(codes, wideReference);
        FloatConversions.F32ToBF16Reference(wideReference, backReference);

        for (int i = 0; i < codes.Length; i++)
        {
            BitConverter.SingleToUInt32Bits(wide[i]).Should().Be((uint)codes[i] << 16, "bf16 is the top half of fp32");
            TestData.SameBits(wide[i], wideReference[i]).Should().BeTrue();
            back[i].Should().Be(backReference[i], $"SIMD and scalar narrowing agree on code 0x{i:X4}");
            if (IsBFloatNaN(codes[i]))
            {
                IsBFloatNaN(back[i]).Should().BeTrue($"NaN code 0x{i:X4} stays NaN");
            }
            else
            {
                back[i].Should().Be(codes[i], $"code 0x{i:X4} round-trips");
            }
        }
    }

    [Fact]
    public void F16_RoundTripsAllCodesBitExact_NaNStaysNaN_AndMatchesDotNetCasts()
    {
        Half[] codes = AllCodes().Select(BitConverter.UInt16BitsToHalf).ToArray();
        var wide = new float[codes.Length];
        var back = new Half[codes.Length];
        var wideReference = new float[codes.Length];
        var backReference = new Half[codes.Length];

        FloatConversions.F16ToF32(codes, wide);
        FloatConversions.F32ToF16(wide, back);
        FloatConversions.F16ToF32Reference(codes, wideReference);
        FloatConversions.F32ToF16Reference(wideReference, backReference);

        for (int i = 0; i < codes.Length; i++)
        {
            TestData.SameBits(wide[i], wideReference[i]).Should().BeTrue($"code 0x{i:X4} widens like (float)Half");
            ushort code = (ushort)i;
            ushort result = BitConverter.HalfToUInt16Bits(back[i]);
            result.Should().Be(BitConverter.HalfToUInt16Bits(backReference[i]), $"SIMD and scalar narrowing agree on 0x{i:X4}");
            if (IsHalfNaN(code))
            {
                IsHalfNaN(result).Should().BeTrue($"NaN code 0x{i:X4} stays NaN");
            }
            else
            {
                result.Should().Be(code, $"code 0x{i:X4} round-trips");
            }
        }
    }

    [Fact]
    public void F32ToF16_RoundsToNearestEvenLikeDotNetCast_OnTiesOverflowAndSubnormals()
    {
        var inputs = new List<float>();
        for (int code = 0; code < 0x7C00; code++)
        {
            // Every finite half, the midpoint to the next one (a tie) and its fp32 neighbours.
            double a = (double)BitConverter.UInt16BitsToHalf((ushort)code);
            double b = (double)BitConverter.UInt16BitsToHalf((ushort)(code + 1));
            float mid = (float)((a + b) / 2);
            foreach (float v in new[] { (float)a, mid, MathF.BitIncrement(mid), MathF.BitDecrement(mid) })
            {
                inputs.Add(v);
                inputs.Add(-v);
            }
        }

        var random = new Random(7);
        for (int i = 0; i < 50_000; i++)
        {
            inputs.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
        }

        inputs.AddRange([float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, 65504f, 65519.99f, 65520f, 1e-8f, -1e-8f, 2.98e-8f, float.Epsilon]);

        float[] source = [.. inputs];
        var simd = new Half[source.Length];
        FloatConversions.F32ToF16(source, simd);
        for (int i = 0; i < source.Length; i++)
        {
            BitConverter.HalfToUInt16Bits(simd[i]).Should().Be(
                BitConverter.HalfToUInt16Bits((Half)source[i]), $"{source[i]:R} (bits 0x{BitConverter.SingleToUInt32Bits(source[i]):X8})");
        }
    }

    [Fact]
    public void F32ToBF16_PicksTheNearestBF16_TiesToEven()
    {
        var random = new Random(11);
        var source = new float[200_000];
        for (int i = 0; i < source.Length; i++)
        {
            uint bits = (uint)random.NextInt64(0, 1L << 32);
            // Every fourth value is an exact tie between two bf16 values.
            source[i] = BitConverter.UInt32BitsToSingle(i % 4 == 0 ? (bits & 0xFFFF0000) | 0x8000 : bits);
        }

        var result = new ushort[source.Length];
        FloatConversions.F32ToBF16(source, result);
        for (int i = 0; i < source.Length; i++)
        {
            float v = source[i];
            if (float.IsNaN(v))
            {
                IsBFloatNaN(result[i]).Should().BeTrue();
                continue;
            }

            uint bits = BitConverter.SingleToUInt32Bits(v);
            ushort down = (ushort)(bits >> 16);
            ushort up = (ushort)(down + 1);
            double errDown = Math.Abs((double)FloatConversions.BF16ToSingle(down) - v);
            // IEEE rounding treats infinity as the value 2^128 when deciding whether to overflow.
            double valueUp = (up & 0x7FFF) == 0x7F80 ? Math.CopySign(Math.Pow(2, 128), v) : FloatConversions.BF16ToSingle(up);
            double errUp = Math.Abs(valueUp - v);
            ushort expected = errDown < errUp ? down : errUp < errDown ? up : (ushort)((down & 1) == 0 ? down : up);
            result[i].Should().Be(expected, $"{v:R} (bits 0x{bits:X8})");
        }
    }

    [Fact]
    public void Conversions_SimdMatchesReferenceBitForBit_ForEveryLength()
    {
        foreach (int n in TestData.Lengths)
        {
            float[] values = TestData.Uniform(n, n, -70000f, 70000f);
            var bf = new ushort[n];
            var bfRef = new ushort[n];
            FloatConversions.F32ToBF16(values, bf);
            FloatConversions.F32ToBF16Reference(values, bfRef);
            bf.Should().Equal(bfRef, $"length {n}");

            var wide = new float[n];
            var wideRef = new float[n];
            FloatConversions.BF16ToF32(bf, wide);
            FloatConversions.BF16ToF32Reference(bf, wideRef);
            wide.Should().Equal(wideRef, $"length {n}");

            var h = new Half[n];
            var hRef = new Half[n];
            FloatConversions.F32ToF16(values, h);
            FloatConversions.F32ToF16Reference(values, hRef);
            h.Select(BitConverter.HalfToUInt16Bits).Should().Equal(hRef.Select(BitConverter.HalfToUInt16Bits), $"length {n}");

            FloatConversions.F16ToF32(h, wide);
            FloatConversions.F16ToF32Reference(h, wideRef);
            wide.Should().Equal(wideRef, $"length {n}");
        }
    }

    [Fact]
    public void Conversions_RejectMismatchedDestinationNamingIt()
    {
        FluentActions.Invoking(() => FloatConversions.BF16ToF32(new ushort[3], new float[2]))
            .Should().Throw<ArgumentException>().WithParameterName("destination");
        FluentActions.Invoking(() => FloatConversions.F32ToBF16(new float[3], new ushort[4]))
            .Should().Throw<ArgumentException>().WithParameterName("destination");
        FluentActions.Invoking(() => FloatConversions.F16ToF32(new Half[3], new float[2]))
            .Should().Throw<ArgumentException>().WithParameterName("destination");
        FluentActions.Invoking(() => FloatConversions.F32ToF16(new float[1], new Half[0]))
            .Should().Throw<ArgumentException>().WithParameterName("destination");
    }
}
