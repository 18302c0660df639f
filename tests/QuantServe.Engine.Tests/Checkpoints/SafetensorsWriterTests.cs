using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class SafetensorsWriterTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public static TheoryData<SafetensorsDType> AllDTypes()
    {
        var data = new TheoryData<SafetensorsDType>();
        foreach (SafetensorsDType dtype in Enum.GetValues<SafetensorsDType>())
        {
            data.Add(dtype);
        }

        return data;
    }

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void RoundTrip_KeepsBytesDTypeAndShapeOfEveryDType(SafetensorsDType dtype)
    {
        TensorData tensor = RandomTensor("layer.weight", dtype, [3, 5], seed: (int)dtype);
        string path = _directory.File("one.safetensors");

        SafetensorsWriter.Write(path, [tensor]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        TensorInfo info = file.Tensors["layer.weight"];
        info.DType.Should().Be(dtype);
        info.Shape.Should().Equal(3, 5);
        file.GetBytes("layer.weight").ToArray().Should().Equal(tensor.Data.ToArray());
    }

    [Fact]
    public void RoundTrip_ManyTensorsScalarsEmptyTensorsAndMetadata()
    {
        var tensors = new List<TensorData>();
        int seed = 0;
        foreach (SafetensorsDType dtype in Enum.GetValues<SafetensorsDType>())
        {
            tensors.Add(RandomTensor($"t.{SafetensorsDTypes.Name(dtype)}", dtype, [2, 3, 1], seed++));
            tensors.Add(RandomTensor($"scalar.{SafetensorsDTypes.Name(dtype)}", dtype, [], seed++));
        }

        tensors.Add(RandomTensor("empty", SafetensorsDType.F16, [0, 4], seed));
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\" <b>" };
        string path = _directory.File("many.safetensors");

        SafetensorsWriter.Write(path, tensors, metadata);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        file.Metadata.Should().Equal(metadata);
        file.Tensors.Should().HaveCount(tensors.Count);
        foreach (TensorData expected in tensors)
        {
            TensorInfo info = file.Tensors[expected.Name];
            info.DType.Should().Be(expected.DType);
            info.Shape.Should().Equal(expected.Shape);
            file.GetBytes(expected.Name).ToArray().Should().Equal(expected.Data.ToArray(), because: expected.Name);
            (info.DataOffset % SafetensorsDTypes.SizeOf(info.DType)).Should().Be(0, because: $"{expected.Name} is aligned to its element size");
        }
    }

    [Fact]
    public void Write_ProducesExactlyTheBytesOfAHandBuiltFile()
    {
        byte[] a = [1, 2, 3];
        byte[] b = HandBuiltSafetensors.Floats(1.5f, -2f);
        byte[] c = [0x00, 0x3C];

        SafetensorsWriter.Write(
            _directory.File("layout.safetensors"),
            [
                new TensorData("a", SafetensorsDType.I8, [3], a),
                new TensorData("c", SafetensorsDType.F16, [], c),
                new TensorData("b", SafetensorsDType.F32, [1, 2], b),
            ],
            new Dictionary<string, string> { ["format"] = "pt" });

        // Largest elements first (b: 4 bytes, c: 2, a: 1), __metadata__ first, compact JSON,
        // spaces up to a multiple of 8, then the data in the same order.
        const string compact =
            """{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"c":{"dtype":"F16","shape":[],"data_offsets":[8,10]},"a":{"dtype":"I8","shape":[3],"data_offsets":[10,13]}}""";
        int paddedLength = (compact.Length + 7) / 8 * 8;
        var expected = new List<byte>();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)paddedLength);
        expected.AddRange(length);
        expected.AddRange(Encoding.UTF8.GetBytes(compact.PadRight(paddedLength, ' ')));
        expected.AddRange(b);
        expected.AddRange(c);
        expected.AddRange(a);

        File.ReadAllBytes(_directory.File("layout.safetensors")).Should().Equal(expected);
    }

    [Fact]
    public void Write_OrdersDataLikeTheSafetensorsLibrary_ByDescendingDTypeThenName()
    {
        var tensors = new List<TensorData>();
        foreach (SafetensorsDType dtype in Enum.GetValues<SafetensorsDType>())
        {
            tensors.Add(RandomTensor($"b.{SafetensorsDTypes.Name(dtype)}", dtype, [3], seed: 1));
            tensors.Add(RandomTensor($"a.{SafetensorsDTypes.Name(dtype)}", dtype, [1], seed: 2));
        }

        string path = _directory.File("order.safetensors");
        SafetensorsWriter.Write(path, tensors);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        string[] dataOrder = file.Tensors.Values.OrderBy(t => t.DataOffset).Select(t => t.Name).ToArray();
        string[] expectedDTypes = ["I64", "F64", "F32", "I32", "BF16", "F16", "I16", "F8_E4M3", "I8", "U8", "BOOL"];
        dataOrder.Should().Equal(expectedDTypes.SelectMany(dtype => new[] { $"a.{dtype}", $"b.{dtype}" }));
        file.Tensors.Keys.Should().Equal(dataOrder, "the header lists tensors in data order");
    }

    [Fact]
    public void Write_PadsTheHeaderWithSpacesToAMultipleOfEight()
    {
        for (int nameLength = 1; nameLength <= 8; nameLength++)
        {
            string path = _directory.File($"pad{nameLength}.safetensors");
            SafetensorsWriter.Write(path, [new TensorData(new string('x', nameLength), SafetensorsDType.U8, [1], new byte[] { 7 })]);

            byte[] bytes = File.ReadAllBytes(path);
            long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            (headerLength % 8).Should().Be(0);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
            header.TrimEnd(' ').Should().EndWith("}");
            header[header.TrimEnd(' ').Length..].Should().MatchRegex("^ {0,7}$");
        }
    }

    [Fact]
    public void Write_LeavesNoTemporaryFileBehind()
    {
        string path = _directory.File("model.safetensors");

        SafetensorsWriter.Write(path, [RandomTensor("w", SafetensorsDType.F32, [4], seed: 1)]);

        _directory.FileNames().Should().Equal("model.safetensors");
    }

    [Fact]
    public void Write_ReplacesAnExistingFile()
    {
        string path = _directory.File("model.safetensors");
        SafetensorsWriter.Write(path, [RandomTensor("old", SafetensorsDType.F32, [4], seed: 1)]);

        SafetensorsWriter.Write(path, [RandomTensor("new", SafetensorsDType.F32, [8], seed: 2)]);

        using SafetensorsFile file = SafetensorsFile.Open(path);
        file.Tensors.Keys.Should().Equal("new");
        _directory.FileNames().Should().Equal("model.safetensors");
    }

    [Fact]
    public void InterruptedWrite_LeavesNeitherAPartialFileNorATemporaryFile()
    {
        string path = _directory.File("model.safetensors");
        TensorData good = RandomTensor("a.good", SafetensorsDType.F32, [1024], seed: 3);
        var failing = new TensorData("b.failing", SafetensorsDType.F32, [16], new FailingMemory(64).Memory);

        Action write = () => SafetensorsWriter.Write(path, [good, failing]);

        write.Should().Throw<IOException>().WithMessage("*simulated*");
        _directory.FileNames().Should().BeEmpty();
    }

    [Fact]
    public void InterruptedWrite_KeepsThePreviousFileIntact()
    {
        string path = _directory.File("model.safetensors");
        SafetensorsWriter.Write(path, [RandomTensor("previous", SafetensorsDType.F32, [4], seed: 4)]);
        byte[] before = File.ReadAllBytes(path);
        var failing = new TensorData("w", SafetensorsDType.F32, [16], new FailingMemory(64).Memory);

        Action write = () => SafetensorsWriter.Write(path, [failing]);

        write.Should().Throw<IOException>();
        File.ReadAllBytes(path).Should().Equal(before);
        _directory.FileNames().Should().Equal("model.safetensors");
    }

    [Fact]
    public void Write_RejectsDataThatDoesNotMatchTheShape()
    {
        Action write = () => SafetensorsWriter.Write(
            _directory.File("bad.safetensors"), [new TensorData("w", SafetensorsDType.F32, [2, 2], new byte[12])]);

        write.Should().Throw<ArgumentException>().WithMessage("*'w'*[2, 2]*F32*needs 16 bytes but 12*");
        _directory.FileNames().Should().BeEmpty();
    }

    [Fact]
    public void Write_RejectsDuplicateNamesNegativeDimensionsAndTheMetadataKey()
    {
        string path = _directory.File("bad.safetensors");
        var one = new TensorData("w", SafetensorsDType.U8, [1], new byte[1]);

        ((Action)(() => SafetensorsWriter.Write(path, [one, one]))).Should().Throw<ArgumentException>().WithMessage("*'w'*twice*");
        ((Action)(() => SafetensorsWriter.Write(path, [one with { Shape = [-1] }]))).Should().Throw<ArgumentException>().WithMessage("*negative*");
        ((Action)(() => SafetensorsWriter.Write(path, [one with { Name = "__metadata__" }]))).Should().Throw<ArgumentException>().WithMessage("*reserved*");
        _directory.FileNames().Should().BeEmpty();
    }

    [Fact]
    public void Write_RejectsNullMetadataValues()
    {
        var metadata = new Dictionary<string, string> { ["format"] = null! };

        Action write = () => SafetensorsWriter.Write(_directory.File("m.safetensors"), [], metadata);

        write.Should().Throw<ArgumentException>().WithMessage("*'format'*null*");
        _directory.FileNames().Should().BeEmpty();
    }

    [Fact]
    public void Write_CreatesMissingParentDirectoriesAndAcceptsNoTensors()
    {
        string path = Path.Combine(_directory.Path, "a", "b", "empty.safetensors");

        SafetensorsWriter.Write(path, []);

        File.ReadAllBytes(path).Should().Equal(HandBuiltSafetensors.Build("{}", [], padTo: 8));
        using SafetensorsFile file = SafetensorsFile.Open(path);
        file.Tensors.Should().BeEmpty();
    }

    [Fact]
    public void WriteSharded_SplitsIntoShardsWithAnIndexAndReadsBack()
    {
        List<TensorData> tensors =
        [
            RandomTensor("model.embed.weight", SafetensorsDType.BF16, [50], seed: 1),   // 100 bytes
            RandomTensor("model.layers.0.w", SafetensorsDType.F32, [25], seed: 2),      // 100 bytes
            RandomTensor("model.layers.1.w", SafetensorsDType.F8_E4M3, [100], seed: 3), // 100 bytes
            RandomTensor("lm_head.weight", SafetensorsDType.F16, [10], seed: 4),        // 20 bytes
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };

        SafetensorsWriter.WriteSharded(_directory.Path, tensors, maxShardBytes: 250, metadata);

        _directory.FileNames().Should().Equal(
            "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json");
        using JsonDocument index = JsonDocument.Parse(File.ReadAllBytes(_directory.File("model.safetensors.index.json")));
        index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64().Should().Be(320);
        index.RootElement.GetProperty("weight_map").EnumerateObject()
            .Select(entry => $"{entry.Name}={entry.Value.GetString()}")
            .Should().Equal(
                "lm_head.weight=model-00002-of-00002.safetensors",
                "model.embed.weight=model-00001-of-00002.safetensors",
                "model.layers.0.w=model-00001-of-00002.safetensors",
                "model.layers.1.w=model-00002-of-00002.safetensors");

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        checkpoint.TensorNames.Should().BeEquivalentTo(tensors.Select(t => t.Name));
        checkpoint.Metadata.Should().Equal(metadata);
        foreach (TensorData expected in tensors)
        {
            TensorView view = checkpoint.Get(expected.Name);
            view.Bytes.ToArray().Should().Equal(expected.Data.ToArray());
            view.Info.Shape.Should().Equal(expected.Shape);
        }
    }

    [Fact]
    public void WriteSharded_GivesATensorLargerThanTheLimitAShardOfItsOwn()
    {
        SafetensorsWriter.WriteSharded(
            _directory.Path,
            [
                RandomTensor("small1", SafetensorsDType.U8, [10], seed: 1),
                RandomTensor("huge", SafetensorsDType.U8, [500], seed: 2),
                RandomTensor("small2", SafetensorsDType.U8, [10], seed: 3),
            ],
            maxShardBytes: 100);

        SafetensorsIndex index = SafetensorsIndex.Read(_directory.File("model.safetensors.index.json"));
        index.WeightMap["small1"].Should().Be("model-00001-of-00003.safetensors");
        index.WeightMap["huge"].Should().Be("model-00002-of-00003.safetensors");
        index.WeightMap["small2"].Should().Be("model-00003-of-00003.safetensors");
        index.TotalSize.Should().Be(520);
    }

    [Fact]
    public void WriteSharded_WritesASingleModelFileWhenEverythingFitsAndRemovesStaleShards()
    {
        TensorData a = RandomTensor("a", SafetensorsDType.F32, [10], seed: 1);
        TensorData b = RandomTensor("b", SafetensorsDType.F32, [10], seed: 2);
        SafetensorsWriter.WriteSharded(_directory.Path, [a, b], maxShardBytes: 40);
        _directory.FileNames().Should().HaveCount(3);
        File.WriteAllText(_directory.File("config.json"), "{}");

        SafetensorsWriter.WriteSharded(_directory.Path, [a, b], maxShardBytes: 1000);

        _directory.FileNames().Should().Equal("config.json", "model.safetensors");
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        checkpoint.Get("b").Bytes.ToArray().Should().Equal(b.Data.ToArray());
    }

    private static TensorData RandomTensor(string name, SafetensorsDType dtype, long[] shape, int seed)
    {
        long count = shape.Aggregate(1L, (product, dim) => product * dim);
        var bytes = new byte[count * SafetensorsDTypes.SizeOf(dtype)];
        new Random(seed).NextBytes(bytes);
        if (dtype == SafetensorsDType.BOOL)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] &= 1;
            }
        }

        return new TensorData(name, dtype, shape, bytes);
    }

    /// <summary>Memory whose span cannot be produced: stands for a source that fails in the middle of a write.</summary>
    private sealed class FailingMemory(int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => throw new IOException("simulated failure while reading tensor data");

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }

        public new Memory<byte> Memory => CreateMemory(length);
    }
}
