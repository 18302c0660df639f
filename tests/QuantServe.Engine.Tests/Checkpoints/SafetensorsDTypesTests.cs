using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class SafetensorsDTypesTests
{
    [Theory]
    [InlineData("F64", SafetensorsDType.F64, 8)]
    [InlineData("F32", SafetensorsDType.F32, 4)]
    [InlineData("F16", SafetensorsDType.F16, 2)]
    [InlineData("BF16", SafetensorsDType.BF16, 2)]
    [InlineData("I64", SafetensorsDType.I64, 8)]
    [InlineData("I32", SafetensorsDType.I32, 4)]
    [InlineData("I16", SafetensorsDType.I16, 2)]
    [InlineData("I8", SafetensorsDType.I8, 1)]
    [InlineData("U8", SafetensorsDType.U8, 1)]
    [InlineData("BOOL", SafetensorsDType.BOOL, 1)]
    [InlineData("F8_E4M3", SafetensorsDType.F8_E4M3, 1)]
    public void HeaderName_MapsToTheDTypeAndItsSize(string name, SafetensorsDType dtype, int size)
    {
        SafetensorsDTypes.Parse(name, "f.safetensors").Should().Be(dtype);
        SafetensorsDTypes.Name(dtype).Should().Be(name);
        SafetensorsDTypes.SizeOf(dtype).Should().Be(size);
    }

    [Fact]
    public void All_ListsEveryEnumValueOnce()
    {
        SafetensorsDTypes.All.Should().BeEquivalentTo(Enum.GetValues<SafetensorsDType>()).And.OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData("f16")]
    [InlineData("float16")]
    [InlineData("")]
    [InlineData("F16 ")]
    public void Parse_RejectsAnythingButTheExactName(string name)
    {
        SafetensorsDTypes.TryParse(name, out _).Should().BeFalse();
        Action parse = () => SafetensorsDTypes.Parse(name, "dir/model.safetensors", "layers.0.w");
        parse.Should().Throw<SafetensorsException>()
            .Which.Message.Should().Contain("dir/model.safetensors").And.Contain("tensor 'layers.0.w'")
            .And.Contain($"'{name}' is not a safetensors dtype").And.Contain("F8_E4M3");
    }

    [Theory]
    [InlineData("U16")]
    [InlineData("U32")]
    [InlineData("F8_E5M2")]
    public void Parse_SaysWhenADTypeIsValidSafetensorsButNotSupported(string name)
    {
        Action parse = () => SafetensorsDTypes.Parse(name, "m.safetensors", "x");
        parse.Should().Throw<SafetensorsException>().Which.Message.Should().Contain($"'{name}' is a safetensors dtype that QuantServe does not read");
    }
}
