using System.Buffers.Binary;
using System.Text;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class SafetensorsHeaderTests
{
    private const string File = "/models/demo/model.safetensors";

    private static SafetensorsHeader Parse(byte[] bytes) => SafetensorsHeader.Parse(bytes, bytes.Length, File);

    private static SafetensorsException ParseFails(byte[] bytes)
    {
        Action parse = () => Parse(bytes);
        return parse.Should().Throw<SafetensorsException>().Which;
    }

    [Fact]
    public void Parse_ReadsTensorsWithAbsoluteOffsetsAndMetadata()
    {
        const string json =
            """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[24,30]}}""";
        byte[] bytes = HandBuiltSafetensors.Build(json, 30);
        long dataStart = 8 + Encoding.UTF8.GetByteCount(json);

        SafetensorsHeader header = Parse(bytes);

        header.HeaderBytes.Should().Be(dataStart - 8);
        header.DataStart.Should().Be(dataStart);
        header.DataBytes.Should().Be(30);
        header.Metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt" });
        header.Tensors.Keys.Should().Equal("w", "b");
        TensorInfo w = header.Tensors["w"];
        w.DType.Should().Be(SafetensorsDType.F32);
        w.Shape.Should().Equal(2, 3);
        w.DataOffset.Should().Be(dataStart);
        w.ByteLength.Should().Be(24);
        w.ElementCount.Should().Be(6);
        header.Tensors["b"].DataOffset.Should().Be(dataStart + 24);
        header.Tensors["b"].ByteLength.Should().Be(6);
    }

    [Fact]
    public void Parse_AcceptsSpacePaddingAndWhitespaceInsideTheJson()
    {
        const string json = "{ \"x\" : { \"dtype\" : \"I8\",\n \"shape\" : [ 4 ] , \"data_offsets\" : [ 0 , 4 ] } }";
        byte[] bytes = HandBuiltSafetensors.Build(json, [1, 2, 3, 4], padTo: 128);

        SafetensorsHeader header = Parse(bytes);

        header.HeaderBytes.Should().Be(128);
        header.Tensors["x"].DataOffset.Should().Be(136);
    }

    [Fact]
    public void Parse_AcceptsScalarsEmptyTensorsAndNoMetadata()
    {
        const string json =
            """{"scalar":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"empty":{"dtype":"F16","shape":[0,7],"data_offsets":[8,8]}}""";

        SafetensorsHeader header = Parse(HandBuiltSafetensors.Build(json, 8));

        header.Metadata.Should().BeEmpty();
        header.Tensors["scalar"].ElementCount.Should().Be(1);
        header.Tensors["scalar"].ByteLength.Should().Be(8);
        header.Tensors["empty"].ElementCount.Should().Be(0);
        header.Tensors["empty"].ByteLength.Should().Be(0);
    }

    [Fact]
    public void Parse_AcceptsAnEmptyHeaderWithNoData()
    {
        SafetensorsHeader header = Parse(HandBuiltSafetensors.Build("{}", [], padTo: 8));

        header.Tensors.Should().BeEmpty();
        header.DataBytes.Should().Be(0);
    }

    [Fact]
    public void Parse_IgnoresUnknownFieldsOfATensor()
    {
        const string json = """{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"comment":"extra"}}""";

        Parse(HandBuiltSafetensors.Build(json, 2)).Tensors["x"].ByteLength.Should().Be(2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void FileShorterThanTheLengthPrefix_IsReportedAsTruncated(int length)
    {
        SafetensorsException error = ParseFails(new byte[length]);

        error.Message.Should().Contain(File).And.Contain($"{length} bytes").And.Contain("truncated");
    }

    [Fact]
    public void HeaderLengthBeyondTheFile_IsReportedAsTruncated()
    {
        byte[] bytes = HandBuiltSafetensors.Build("""{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1);
        byte[] cut = bytes[..30];

        SafetensorsException error = ParseFails(cut);

        error.Message.Should().Contain(File).And.Contain($"only {30 - 8} bytes follow").And.Contain("truncated");
    }

    [Fact]
    public void HeaderLengthOverTheLimit_IsRejectedBeforeReadingIt()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 200_000_000);

        SafetensorsException error = ParseFails(bytes);

        error.Message.Should().Contain(File).And.Contain("200000000").And.Contain("at most 100000000");
    }

    [Fact]
    public void GitLfsPointerFile_IsRecognizedAndTheMessageSaysWhatToDo()
    {
        byte[] pointer = Encoding.ASCII.GetBytes(
            "version https://git-lfs.github.com/spec/v1\noid sha256:0123456789abcdef\nsize 123456\n");

        SafetensorsException error = ParseFails(pointer);

        error.Message.Should().Contain(File).And.Contain("Git LFS pointer").And.Contain("git lfs pull");
    }

    [Fact]
    public void ZipArchive_IsRecognizedAsAPyTorchCheckpoint()
    {
        var bytes = new byte[100];
        "PK\u0003\u0004"u8.CopyTo(bytes);
        bytes[4] = 0x14;

        ParseFails(bytes).Message.Should().Contain("zip archive").And.Contain("convert it to safetensors");
    }

    public static TheoryData<string, string, int, string[]> InvalidHeaders() => new()
    {
        { "bad JSON", """{"x":{"dtype":"F32",}""", 0, ["not valid JSON"] },
        { "not an object", """[1,2,3]""", 0, ["must start with '{'", "0x5B"] },
        { "trailing garbage", """{} x""", 0, ["not valid JSON"] },
        { "unknown dtype", """{"x":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}""", 4, ["tensor 'x'", "'F17'", "F32", "BF16", "F8_E4M3"] },
        { "unsupported dtype", """{"x":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}""", 2, ["tensor 'x'", "'U16'", "does not read"] },
        { "lower-case dtype", """{"x":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", 4, ["tensor 'x'", "'f32'"] },
        {
            "shape and offsets disagree", """{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", 12,
            ["tensor 'x'", "[2, 2]", "needs 16 bytes", "[0, 12]", "hold 12"]
        },
        {
            "offsets past the data", """{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8,
            ["tensor 'x'", "[0, 16]", "holds 8 bytes", "truncated"]
        },
        {
            "overlapping ranges",
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12,
            ["'a'", "'b'", "[0, 8]", "[4, 12]", "overlap"]
        },
        {
            "same range twice",
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}""", 8,
            ["'a'", "'b'", "overlap"]
        },
        {
            "a hole between tensors",
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12,
            ["'b'", "[4, 8)", "no holes"]
        },
        {
            "bytes after the last tensor", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 10,
            ["'a'", "holds 10 bytes", "6 bytes belong to no tensor"]
        },
        { "negative dimension", """{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}""", 0, ["tensor 'x'", "shape entry 0", "-1"] },
        { "fractional dimension", """{"x":{"dtype":"F32","shape":[2,1.5],"data_offsets":[0,12]}}""", 12, ["tensor 'x'", "shape entry 1", "1.5"] },
        { "string dimension", """{"x":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}""", 8, ["tensor 'x'", "shape entry 0"] },
        {
            "element count overflows", """{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", 0,
            ["tensor 'x'", "[4294967296, 4294967296]", "64 bits"]
        },
        {
            "byte length overflows", """{"x":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}""", 0,
            ["tensor 'x'", "64 bits"]
        },
        {
            "offset beyond 63 bits", """{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551615]}}""", 1,
            ["tensor 'x'", "18446744073709551615"]
        },
        { "negative offset", """{"x":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}""", 1, ["tensor 'x'", "[-1, 0]"] },
        { "end before begin", """{"x":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", 4, ["tensor 'x'", "[4, 0]", "end before"] },
        { "three offsets", """{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}""", 1, ["tensor 'x'", "3 entries"] },
        { "missing dtype", """{"x":{"shape":[1],"data_offsets":[0,1]}}""", 1, ["tensor 'x'", "'dtype'", "missing"] },
        { "missing shape", """{"x":{"dtype":"U8","data_offsets":[0,1]}}""", 1, ["tensor 'x'", "'shape'", "missing"] },
        { "missing offsets", """{"x":{"dtype":"U8","shape":[1]}}""", 1, ["tensor 'x'", "'data_offsets'", "missing"] },
        { "tensor is not an object", """{"x":[1,2]}""", 0, ["tensor 'x'", "JSON array"] },
        { "dtype is a number", """{"x":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}""", 4, ["tensor 'x'", "'dtype'", "JSON number"] },
        {
            "duplicate tensor",
            """{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2,
            ["tensor 'x'", "twice"]
        },
        { "duplicate field", """{"x":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}""", 1, ["tensor 'x'", "'dtype'", "twice"] },
        { "metadata not an object", """{"__metadata__":"pt"}""", 0, ["__metadata__", "JSON string"] },
        { "metadata value not a string", """{"__metadata__":{"step":3}}""", 0, ["'step'", "must be a string", "JSON number"] },
        { "metadata twice", """{"__metadata__":{},"__metadata__":{}}""", 0, ["__metadata__", "twice"] },
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public void InvalidHeader_ThrowsAMessageNamingTheFileTheTensorAndTheProblem(string problem, string json, int dataBytes, string[] expected)
    {
        SafetensorsException error = ParseFails(HandBuiltSafetensors.Build(json, dataBytes));

        error.Message.Should().Contain(File, because: problem);
        foreach (string part in expected)
        {
            error.Message.Should().Contain(part, because: problem);
        }
    }

    [Fact]
    public void DeeplyNestedJson_IsRejectedAsInvalidJson()
    {
        string json = "{\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

        ParseFails(HandBuiltSafetensors.Build(json, 0)).Message.Should().Contain(File).And.Contain("not valid JSON");
    }

    [Fact]
    public void InvalidUtf8InTheHeader_IsReported()
    {
        byte[] bytes = HandBuiltSafetensors.Build("""{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1);
        bytes[10] = 0xFF;

        ParseFails(bytes).Message.Should().Contain(File).And.Contain("UTF-8");
    }

    [Fact]
    public void Parse_NeedsTheWholeHeaderInTheSpanWhenTheFileHasIt()
    {
        byte[] bytes = HandBuiltSafetensors.Build("""{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1);

        Action parse = () => SafetensorsHeader.Parse(bytes.AsSpan(0, 20), bytes.Length, File);

        parse.Should().Throw<ArgumentException>().WithMessage("*fileStart holds 20 bytes*");
    }
}
