using QuantServe.Engine.Quantization;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Quantization;

public class QuantizationSchemesTests
{
    [Fact]
    public void Names_AreTheLoadTimeQuantizeValues()
    {
        QuantizationSchemes.Names.Should().Equal("bitsandbytes", "bitsandbytes-nf4", "bitsandbytes-fp4", "eetq", "fp8");
        QuantizationSchemes.IsLoadTimeScheme("gptq").Should().BeFalse();
    }

    [Theory]
    [InlineData("eetq")]
    [InlineData("fp8")]
    public void DType_WithANonBitsandbytesScheme_GivesTgisError(string scheme)
    {
        var act = () => QuantizationSchemes.CheckDType(scheme, WeightDType.BF16);
        act.Should().Throw<ArgumentException>().WithMessage(
            "Only 1 can be set between `dtype` and `quantize`, as they both decide how goes the final model.");
    }

    [Theory]
    [InlineData("bitsandbytes")]
    [InlineData("bitsandbytes-nf4")]
    [InlineData("bitsandbytes-fp4")]
    [InlineData(null)]
    public void DType_WithBitsandbytesOrNoScheme_IsAllowed(string? scheme)
    {
        var act = () => QuantizationSchemes.CheckDType(scheme, WeightDType.F16);
        act.Should().NotThrow();
    }

    [Fact]
    public void UnknownScheme_ListsTheKnownOnes()
    {
        var act = () => QuantizationSchemes.Factory("awq");
        act.Should().Throw<ArgumentException>().WithMessage("*'awq'*bitsandbytes, bitsandbytes-nf4, bitsandbytes-fp4, eetq, fp8*");
    }
}
