using QuantServe.Kernels.Quantized;
using QuantServe.Kernels.Tests.Cpu;

namespace QuantServe.Kernels.Tests.Quantized;

// Runs with the KernelThreads tests, one at a time: quantizing and multiplying use the shared pool,
// which those tests need to find free.
/// <summary>
/// Quantize then dequantize N(0, 1) weights [256 x 1024]: the normalized MSE sum((w - q)^2) / sum(w^2) of each
/// format must stay under the bound documented (with its reason) in docs/QUANTIZATION-ERROR-BOUNDS.md.
/// </summary>
[Collection(KernelThreadsCollection.Name)]
public class QuantizationErrorTests
{
    [Theory]
    [InlineData("eetq", 1.2e-4)]
    [InlineData("fp8", 1.2e-3)]
    [InlineData("nf4", 1.2e-2)]
    [InlineData("nf4-plain-absmax", 1.2e-2)]
    [InlineData("fp4", 1.8e-2)]
    public void NormalWeights_StayWithinTheDocumentedNormalizedMse(string name, double bound)
    {
        const int rows = 256, cols = 1024;
        QuantizedScheme scheme = QuantizedScheme.All[name];
        float[] w = QuantizedTestData.Normal(rows * cols, 2024);
        double nmse = QuantizedTestData.NormalizedMse(w, scheme.Dequantize(scheme.Quantize(w, rows, cols)));
        nmse.Should().BeLessThan(bound, $"{name}: normalized MSE {nmse:E3}");
        nmse.Should().BeGreaterThan(bound / 20, $"{name}: {nmse:E3} is implausibly small for the format; is it still quantizing?");
    }

    [Fact]
    public void DoubleQuantization_CostsLittleOverPlainAbsmax()
    {
        const int rows = 128, cols = 1024;
        float[] w = QuantizedTestData.Normal(rows * cols, 77);
        double plain = QuantizedTestData.NormalizedMse(w, Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, w, rows, cols, doubleQuantize: false).Dequantize());
        double nested = QuantizedTestData.NormalizedMse(w, Bnb4BitWeights.Quantize(Bnb4BitType.Nf4, w, rows, cols, doubleQuantize: true).Dequantize());
        nested.Should().BeLessThan(plain * 1.02, "8-bit absmax with a mean offset is accurate to a fraction of a percent");
    }

    [Fact]
    public void Memory_PerScheme_IsBelowTheIssueLimitsRelativeToBf16()
    {
        const int rows = 512, cols = 2048;
        float[] w = QuantizedTestData.Normal(rows * cols, 5);
        double bf16 = rows * cols * 2.0;
        ((Bnb4BitWeights)QuantizedScheme.Nf4.Quantize(w, rows, cols)).Bytes.Should().BeLessThanOrEqualTo((long)(0.3 * bf16));
        ((Int8RowWeights)QuantizedScheme.Eetq.Quantize(w, rows, cols)).Bytes.Should().BeLessThanOrEqualTo((long)(0.55 * bf16));
        ((Fp8RowWeights)QuantizedScheme.Fp8.Quantize(w, rows, cols)).Bytes.Should().BeLessThanOrEqualTo((long)(0.55 * bf16));
    }
}
