using System.Runtime.CompilerServices;
using QuantServe.Kernels.Quantized;
using QuantServe.Kernels.Tests.Cpu;

namespace QuantServe.Kernels.Tests.Quantized;

// Runs with the KernelThreads tests, one at a time: quantizing and multiplying use the shared pool,
// which those tests need to find free.
[Collection(KernelThreadsCollection.Name)]
public class Bnb4BitLayoutTests
{
    [Fact]
    public void Block64_IsThirtyTwoBytes()
    {
        Unsafe.SizeOf<Bnb4BitBlock64>().Should().Be(32);
    }

    [Theory]
    [InlineData(Bnb4BitType.Nf4, 0x0F)]
    [InlineData(Bnb4BitType.Fp4, 0xB3)]
    public void FirstElement_GoesToTheHighNibble(Bnb4BitType type, int expectedFirstByte)
    {
        // Element 0 = -1 and element 1 = +1 in a block whose absmax is 1: nf4 codes 0 and 15, fp4 codes 0b1011 and 0b0011.
        float[] w = new float[64];
        w[0] = -1f;
        w[1] = 1f;
        var packed = Bnb4BitWeights.Quantize(type, w, 1, 64, doubleQuantize: false);
        packed.Packed[0].Should().Be((byte)expectedFirstByte);
        packed.CodeAt(0).Should().Be(expectedFirstByte >> 4);
        packed.CodeAt(1).Should().Be(expectedFirstByte & 0xF);
    }

    [Fact]
    public void Blocks_RunOverTheFlattenedMatrixAcrossRowEnds()
    {
        // 3 rows of 40: block 0 holds row 0 and the first 24 values of row 1.
        float[] w = QuantizedTestData.Uniform(120, 1, -0.5f, 0.5f);
        w[50] = 8f; // row 1, inside block 0
        var packed = Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, w, 3, 40, doubleQuantize: false);
        packed.BlockCount.Should().Be(2);
        packed.Packed.Length.Should().Be(60);
        packed.BlockAbsmax(0).Should().Be(8f);
        packed.BlockAbsmax(1).Should().BeLessThanOrEqualTo(0.5f);
    }

    [Fact]
    public void DoubleQuantization_StoresCodesNestedAbsmaxAndTheMeanOffset()
    {
        const int rows = 40, cols = 1024; // 640 blocks -> 3 nested blocks of 256
        float[] w = QuantizedTestData.Normal(rows * cols, 6);
        var plain = Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, w, rows, cols, doubleQuantize: false);
        var nested = Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, w, rows, cols, doubleQuantize: true);

        nested.IsDoubleQuantized.Should().BeTrue();
        nested.AbsmaxCodes.Length.Should().Be(640);
        nested.NestedAbsmax.Length.Should().Be(3);
        nested.NestedMap.ToArray().Should().Equal(BitsandbytesCodebooks.Dynamic.ToArray());
        double mean = Enumerable.Range(0, 640).Average(b => (double)plain.BlockAbsmax(b));
        nested.Offset.Should().BeApproximately((float)mean, 1e-5f);
        for (int b = 0; b < 640; b++)
        {
            nested.BlockAbsmax(b).Should().BeApproximately(plain.BlockAbsmax(b), 0.01f * plain.BlockAbsmax(b), $"block {b}");
        }

        nested.Packed.ToArray().Should().Equal(plain.Packed.ToArray(), "the 4-bit codes use the exact absmax, as in bitsandbytes");
    }

    [Fact]
    public void PreQuantizedParts_WithWrongSizes_AreRejectedWithWhatWasExpected()
    {
        var act = () => Bnb4BitWeights.FromDoubleQuantized(
            Bnb4BitType.Nf4, 4, 64, 64, new byte[128], BitsandbytesCodebooks.Nf4, new byte[3], new float[1], BitsandbytesCodebooks.Dynamic, 256, 0f);
        act.Should().Throw<ArgumentException>().WithMessage("*4 blocks of 64 need 4 absmax codes, got 3*");

        var packedWrong = () => Bnb4BitWeights.FromPlainAbsmax(Bnb4BitType.Fp4, 4, 64, 64, new byte[100], BitsandbytesCodebooks.Fp4, new float[4]);
        packedWrong.Should().Throw<ArgumentException>().WithMessage("*need 128 bytes, got 100*");
    }
}
