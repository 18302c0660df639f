using System.Buffers.Binary;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class TensorViewTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, byte[], float[]> Conversions() => new()
    {
        { "F64", Bytes(8, (span, i, v) => BinaryPrimitives.WriteDoubleLittleEndian(span, v), 1.5, -2.25, 1e10), [1.5f, -2.25f, 1e10f] },
        { "F32", HandBuiltSafetensors.Floats(0.1f, -3f, float.MaxValue), [0.1f, -3f, float.MaxValue] },
        { "F16", Bytes(2, (span, i, v) => BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v), 0x3C00, 0xC000, 0x7BFF), [1f, -2f, 65504f] },
        { "BF16", Bytes(2, (span, i, v) => BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v), 0x3F80, 0xC040, 0x4049), [1f, -3f, 3.140625f] },
        { "F8_E4M3", [0x38, 0xFE, 0x01], [1f, -448f, 0.001953125f] },
        { "I64", Bytes(8, (span, i, v) => BinaryPrimitives.WriteInt64LittleEndian(span, (long)v), -5, 1L << 40, 0), [-5f, 1099511627776f, 0f] },
        { "I32", Bytes(4, (span, i, v) => BinaryPrimitives.WriteInt32LittleEndian(span, (int)v), -7, int.MaxValue, 3), [-7f, 2147483648f, 3f] },
        { "I16", Bytes(2, (span, i, v) => BinaryPrimitives.WriteInt16LittleEndian(span, (short)v), -32768, 32767, 1), [-32768f, 32767f, 1f] },
        { "I8", [0x80, 0x7F, 0xFF], [-128f, 127f, -1f] },
        { "U8", [0, 200, 255], [0f, 200f, 255f] },
        { "BOOL", [0, 1, 2], [0f, 1f, 1f] },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void ToFloat32_ConvertsEachDTypeByValue(string dtype, byte[] data, float[] expected)
    {
        string path = HandBuiltSafetensors.WriteFile(
            _directory.File("t.safetensors"), $$$"""{"x":{"dtype":"{{{dtype}}}","shape":[3],"data_offsets":[0,{{{data.Length}}}]}}""", data);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        file.GetView("x").ToFloat32().Should().Equal(expected);
    }

    [Fact]
    public void AsSpan_ReinterpretsWithoutCopyingWhenTheSizeMatches()
    {
        string path = _directory.File("s.safetensors");
        SafetensorsWriter.Write(path, [
            new TensorData("f", SafetensorsDType.F32, [2], HandBuiltSafetensors.Floats(2.5f, -1f)),
            new TensorData("h", SafetensorsDType.F16, [1], new byte[] { 0x00, 0x3C }),
        ]);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        TensorView f = file.GetView("f");

        f.AsSpan<float>().ToArray().Should().Equal(2.5f, -1f);
        file.GetView("h").AsSpan<Half>()[0].Should().Be((Half)1);
        unsafe
        {
            fixed (float* first = f.AsSpan<float>())
            {
                ((nint)first).Should().Be((nint)f.Pointer, "the span points into the mapped file");
            }
        }
    }

    [Fact]
    public void AsSpan_RejectsATypeOfAnotherSizeNamingTheTensor()
    {
        string path = _directory.File("s.safetensors");
        SafetensorsWriter.Write(path, [new TensorData("layers.0.w", SafetensorsDType.BF16, [2], new byte[4])]);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        Action read = () => file.GetView("layers.0.w").AsSpan<float>();

        read.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain(path).And.Contain("'layers.0.w'").And.Contain("BF16 (2 bytes").And.Contain("Single (4 bytes)");
    }

    [Fact]
    public void RankAndDim_DescribeTheShape()
    {
        string path = _directory.File("d.safetensors");
        SafetensorsWriter.Write(path, [
            new TensorData("m", SafetensorsDType.U8, [2, 3, 4], new byte[24]),
            new TensorData("s", SafetensorsDType.U8, [], new byte[1]),
        ]);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        TensorView m = file.GetView("m");

        m.Rank.Should().Be(3);
        m.Dim(0).Should().Be(2);
        m.Dim(2).Should().Be(4);
        m.Dim(-1).Should().Be(4);
        m.ElementCount.Should().Be(24);
        m.FilePath.Should().Be(path);
        file.GetView("s").Rank.Should().Be(0);
        ((Action)(() => m.Dim(3))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*'m'*[2, 3, 4]*");
        ((Action)(() => m.Dim(-4))).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static byte[] Bytes(int size, WriteValue write, params double[] values)
    {
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            write(bytes.AsSpan(i * size), i, values[i]);
        }

        return bytes;
    }

    private delegate void WriteValue(Span<byte> destination, int index, double value);
}
