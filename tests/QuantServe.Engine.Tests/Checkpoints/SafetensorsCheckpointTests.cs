using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class SafetensorsCheckpointTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void WithoutAnIndex_EverySafetensorsFileIsOpened()
    {
        Write("a.safetensors", ("x", 1), ("y", 2));
        Write("b.safetensors", ("z", 3));
        File.WriteAllText(_directory.File("config.json"), "{}");
        File.WriteAllBytes(_directory.File("c.safetensors.tmp"), [1, 2, 3]);

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_directory.Path);

        checkpoint.IndexPath.Should().BeNull();
        checkpoint.FilePaths.Should().Equal(_directory.File("a.safetensors"), _directory.File("b.safetensors"));
        checkpoint.TensorNames.Should().Equal("x", "y", "z");
        checkpoint.Contains("z").Should().BeTrue();
        checkpoint.Contains("w").Should().BeFalse();
        TensorView z = checkpoint.Get("z");
        z.FilePath.Should().Be(_directory.File("b.safetensors"));
        z.Bytes.ToArray().Should().Equal(3);
        checkpoint.Metadata.Should().ContainKey("file").WhoseValue.Should().Be("a.safetensors");
    }

    [Fact]
    public void WithoutAnIndex_ATensorInTwoFilesIsAnErrorNamingBothFiles()
    {
        Write("a.safetensors", ("x", 1), ("shared", 2));
        Write("b.safetensors", ("shared", 3));

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain("tensor 'shared'").And.Contain(_directory.File("a.safetensors")).And.Contain(_directory.File("b.safetensors"));
    }

    [Fact]
    public void WithAnIndex_OnlyTheIndexedShardsAndTensorsAreUsed()
    {
        Write("model-00001-of-00002.safetensors", ("x", 1), ("not.indexed", 9));
        Write("model-00002-of-00002.safetensors", ("y", 2));
        Write("consolidated.safetensors", ("x", 7));
        WriteIndex(("x", "model-00001-of-00002.safetensors"), ("y", "model-00002-of-00002.safetensors"));

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_directory.Path + "/");

        checkpoint.IndexPath.Should().Be(_directory.File("model.safetensors.index.json"));
        checkpoint.TensorNames.Should().Equal("x", "y");
        checkpoint.Get("x").Bytes.ToArray().Should().Equal(1);
        checkpoint.Get("y").FilePath.Should().Be(_directory.File("model-00002-of-00002.safetensors"));
        checkpoint.FilePaths.Should().HaveCount(2);
        checkpoint.Metadata["file"].Should().Be("model-00001-of-00002.safetensors");
    }

    [Fact]
    public void WithAnIndex_AMissingShardIsAnErrorNamingTheShardTheTensorAndTheIndex()
    {
        Write("model-00001-of-00002.safetensors", ("x", 1));
        WriteIndex(("x", "model-00001-of-00002.safetensors"), ("y", "model-00002-of-00002.safetensors"));

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain("model.safetensors.index.json").And.Contain("tensor 'y'").And.Contain("'model-00002-of-00002.safetensors'")
            .And.Contain("does not exist").And.Contain("model-00001-of-00002.safetensors, model.safetensors.index.json");
    }

    [Fact]
    public void WithAnIndex_ATensorMissingFromItsShardIsAnErrorNamingBoth()
    {
        Write("model-00001-of-00001.safetensors", ("x", 1), ("y.weight", 2));
        WriteIndex(("x", "model-00001-of-00001.safetensors"), ("y.bias", "model-00001-of-00001.safetensors"));

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain("tensor 'y.bias'").And.Contain(_directory.File("model-00001-of-00001.safetensors"))
            .And.Contain("has no such tensor").And.Contain("'y.weight'");
    }

    [Fact]
    public void WithAnIndex_AShardOutsideTheDirectoryIsRefused()
    {
        WriteIndex(("x", "../elsewhere.safetensors"));

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain("tensor 'x'").And.Contain("'../elsewhere.safetensors'");
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("""{"metadata":{}}""", "weight_map")]
    [InlineData("""{"weight_map":{"x":3}}""", "tensor 'x'")]
    [InlineData("""{"weight_map":{}}""", "empty")]
    public void AnInvalidIndexIsAnErrorNamingTheIndex(string json, string expected)
    {
        File.WriteAllText(_directory.File("model.safetensors.index.json"), json);

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain(_directory.File("model.safetensors.index.json")).And.Contain(expected);
    }

    [Fact]
    public void AnInvalidShardIsAnErrorNamingTheShard()
    {
        File.WriteAllBytes(_directory.File("model.safetensors"), [1, 2, 3]);

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain(_directory.File("model.safetensors")).And.Contain("truncated");
    }

    [Fact]
    public void ADirectoryWithoutSafetensorsIsAnErrorListingWhatItHolds()
    {
        File.WriteAllText(_directory.File("config.json"), "{}");
        File.WriteAllBytes(_directory.File("pytorch_model.bin"), [0x80, 0x02]);
        Directory.CreateDirectory(Path.Combine(_directory.Path, "original"));

        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain(_directory.Path).And.Contain("config.json, original/, pytorch_model.bin").And.Contain("PyTorch pickle");
    }

    [Fact]
    public void AnEmptyDirectoryIsAnErrorSayingSo()
    {
        Action open = () => SafetensorsCheckpoint.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain(_directory.Path).And.Contain("it is empty");
    }

    [Fact]
    public void AMissingDirectoryIsAnError()
    {
        string path = Path.Combine(_directory.Path, "nope");

        Action open = () => SafetensorsCheckpoint.Open(path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain(path).And.Contain("does not exist");
    }

    [Fact]
    public void Get_ForAMissingTensorNamesItTheDirectoryAndCloseNames()
    {
        Write(
            "model.safetensors",
            ("model.layers.0.self_attn.q_proj.weight", 1),
            ("model.layers.0.self_attn.k_proj.weight", 2),
            ("model.layers.0.mlp.down_proj.weight", 3),
            ("model.norm.weight", 4),
            ("lm_head.weight", 5),
            ("model.embed_tokens.weight", 6),
            ("model.layers.0.input_layernorm.weight", 7));
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_directory.Path);

        Action get = () => checkpoint.Get("model.layers.0.self_attn.v_proj.weight");

        string message = get.Should().Throw<SafetensorsException>().Which.Message;
        message.Should().Contain(_directory.Path).And.Contain("'model.layers.0.self_attn.v_proj.weight'")
            .And.Contain("'model.layers.0.self_attn.q_proj.weight'").And.Contain("'model.layers.0.self_attn.k_proj.weight'");
        message.Should().NotContain("'lm_head.weight'", "only the closest few names are listed");
        checkpoint.TryGet("model.layers.0.self_attn.v_proj.weight", out _).Should().BeFalse();
        checkpoint.TryGet("lm_head.weight", out TensorView head).Should().BeTrue();
        head.Bytes[0].Should().Be(5);
    }

    [Fact]
    public void AfterDispose_TensorsCannotBeRead()
    {
        Write("model.safetensors", ("x", 1));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(_directory.Path);
        checkpoint.Dispose();

        Action get = () => checkpoint.Get("x");

        get.Should().Throw<ObjectDisposedException>();
    }

    /// <summary>Writes a file of one-byte U8 tensors, with metadata naming the file.</summary>
    private void Write(string fileName, params (string Name, byte Value)[] tensors)
    {
        SafetensorsWriter.Write(
            _directory.File(fileName),
            tensors.Select(t => new TensorData(t.Name, SafetensorsDType.U8, [1], new[] { t.Value })),
            new Dictionary<string, string> { ["file"] = fileName });
    }

    private void WriteIndex(params (string Tensor, string Shard)[] entries)
    {
        var index = new SafetensorsIndex(entries.ToDictionary(e => e.Tensor, e => e.Shard), totalSize: entries.Length);
        File.WriteAllBytes(_directory.File("model.safetensors.index.json"), index.ToJson());
    }
}
