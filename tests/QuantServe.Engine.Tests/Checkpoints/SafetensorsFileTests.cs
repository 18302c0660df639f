using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Checkpoints;

public class SafetensorsFileTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Open_ReadsAHandBuiltFile()
    {
        const string json =
            """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"i":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}""";
        byte[] data = HandBuiltSafetensors.Concat(HandBuiltSafetensors.Floats(3f, 4f), [9, 8, 7]);
        string path = HandBuiltSafetensors.WriteFile(_directory.File("h.safetensors"), json, data);

        using SafetensorsFile file = SafetensorsFile.Open(path);

        file.Path.Should().Be(path);
        file.Length.Should().Be(new FileInfo(path).Length);
        file.Metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt" });
        file.GetBytes("w").ToArray().Should().Equal(HandBuiltSafetensors.Floats(3f, 4f));
        file.GetBytes("i").ToArray().Should().Equal(9, 8, 7);
        unsafe
        {
            TensorInfo i = file.Tensors["i"];
            byte* pointer = file.GetPointer(i);
            pointer[0].Should().Be(9);
            pointer[2].Should().Be(7);
        }
    }

    [Fact]
    public void Open_ReportsAMissingFile()
    {
        string path = _directory.File("absent.safetensors");

        Action open = () => SafetensorsFile.Open(path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain(path).And.Contain("does not exist");
    }

    [Fact]
    public void Open_ReportsAnEmptyFileAsTruncated()
    {
        string path = _directory.File("empty.safetensors");
        File.WriteAllBytes(path, []);

        Action open = () => SafetensorsFile.Open(path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain(path).And.Contain("0 bytes").And.Contain("truncated");
    }

    [Fact]
    public void Open_ReportsATruncatedFileNamingTheTensorThatDoesNotFit()
    {
        string path = _directory.File("cut.safetensors");
        SafetensorsWriter.Write(path, [
            new TensorData("big", SafetensorsDType.F32, [64], new byte[256]),
            new TensorData("small", SafetensorsDType.U8, [4], new byte[4]),
        ]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        long cut = bytes.Length - 100;

        Action open = () => SafetensorsFile.Open(path);

        // Both tensors lie past the cut; the message names the last one and the size the file should have.
        open.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain(path).And.Contain("tensor 'small'").And.Contain("2 tensors lie past the end")
            .And.Contain($"should be at least {bytes.Length} bytes but is {cut}").And.Contain("truncated");
    }

    [Fact]
    public void Open_ReportsADirectoryGivenAsAFile()
    {
        Action open = () => SafetensorsFile.Open(_directory.Path);

        open.Should().Throw<SafetensorsException>().Which.Message.Should().Contain(_directory.Path);
    }

    [Fact]
    public void GetBytes_ForAnUnknownTensorNamesTheFileAndCloseNames()
    {
        string path = _directory.File("n.safetensors");
        SafetensorsWriter.Write(path, [
            new TensorData("model.layers.0.mlp.up_proj.weight", SafetensorsDType.U8, [1], new byte[1]),
            new TensorData("model.layers.0.mlp.down_proj.weight", SafetensorsDType.U8, [1], new byte[1]),
            new TensorData("lm_head.weight", SafetensorsDType.U8, [1], new byte[1]),
        ]);
        using SafetensorsFile file = SafetensorsFile.Open(path);

        Action read = () => file.GetBytes("model.layers.0.mlp.gate_proj.weight");

        read.Should().Throw<SafetensorsException>().Which.Message
            .Should().Contain(path).And.Contain("'model.layers.0.mlp.gate_proj.weight'").And.Contain("'model.layers.0.mlp.up_proj.weight'");
    }

    [Fact]
    public void GetPointer_RefusesATensorInfoFromAnotherFile()
    {
        string a = _directory.File("a.safetensors");
        string b = _directory.File("b.safetensors");
        SafetensorsWriter.Write(a, [new TensorData("w", SafetensorsDType.U8, [4], new byte[4])]);
        SafetensorsWriter.Write(b, [new TensorData("w", SafetensorsDType.U8, [400], new byte[400])]);
        using SafetensorsFile small = SafetensorsFile.Open(a);
        using SafetensorsFile large = SafetensorsFile.Open(b);

        Action pointer = () => { unsafe { _ = small.GetPointer(large.Tensors["w"]); } };

        pointer.Should().Throw<ArgumentException>().WithMessage("*does not belong*");
    }

    [Fact]
    public void AfterDispose_TensorsCannotBeRead()
    {
        string path = _directory.File("d.safetensors");
        SafetensorsWriter.Write(path, [new TensorData("w", SafetensorsDType.U8, [4], new byte[4])]);
        SafetensorsFile file = SafetensorsFile.Open(path);
        file.Dispose();
        file.Dispose();

        Action read = () => file.GetBytes("w");

        read.Should().Throw<ObjectDisposedException>();
    }
}
