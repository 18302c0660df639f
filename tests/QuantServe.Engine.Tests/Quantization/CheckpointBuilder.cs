using System.Runtime.InteropServices;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Quantization;

/// <summary>Writes small safetensors checkpoints into a temporary directory and opens them.</summary>
internal sealed class CheckpointBuilder : IDisposable
{
    private readonly List<TensorData> _tensors = [];
    private readonly List<SafetensorsCheckpoint> _opened = [];

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "quantserve-quant-" + Guid.NewGuid().ToString("N"));

    public CheckpointBuilder Add<T>(string name, SafetensorsDType dtype, long[] shape, T[] values)
        where T : unmanaged
    {
        _tensors.Add(new TensorData(name, dtype, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        return this;
    }

    public CheckpointBuilder AddFloat(string name, float[] values, params long[] shape) => Add(name, SafetensorsDType.F32, shape, values);

    public CheckpointBuilder Remove(string name)
    {
        _tensors.RemoveAll(t => t.Name == name);
        return this;
    }

    public CheckpointBuilder Replace<T>(string name, SafetensorsDType dtype, long[] shape, T[] values)
        where T : unmanaged => Remove(name).Add(name, dtype, shape, values);

    public SafetensorsCheckpoint Open(string? config = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        SafetensorsWriter.Write(Path.Combine(Directory, SafetensorsWriter.SingleFileName), _tensors, new Dictionary<string, string> { ["format"] = "pt" });
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(Directory, "config.json"), config);
        }

        var checkpoint = SafetensorsCheckpoint.Open(Directory);
        _opened.Add(checkpoint);
        return checkpoint;
    }

    public CheckpointTensors OpenTensors() => new(Open());

    public void Dispose()
    {
        foreach (var checkpoint in _opened)
        {
            checkpoint.Dispose();
        }

        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
