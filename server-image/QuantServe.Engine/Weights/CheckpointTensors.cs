using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Weights;

/// <summary>
/// Shape-checked access to a checkpoint's tensors by name: what every loader and model reads through,
/// so that a wrong shape is reported the same way everywhere (file, tensor, expected, found).
/// </summary>
public sealed class CheckpointTensors(SafetensorsCheckpoint checkpoint)
{
    public SafetensorsCheckpoint Checkpoint => checkpoint;

    public bool Contains(string name) => checkpoint.Contains(name);

    /// <summary>The tensor, which must have exactly <paramref name="shape"/>.</summary>
    public TensorView Require(string name, params long[] shape)
    {
        var tensor = checkpoint.Get(name);
        if (!tensor.Info.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidDataException(
                $"{tensor.FilePath}: tensor '{name}' has shape [{string.Join(", ", tensor.Info.Shape)}], expected [{string.Join(", ", shape)}] from config.json.");
        return tensor;
    }

    /// <summary>A 1-D float tensor (norm weights, biases) converted to fp32.</summary>
    public float[] Vector(string name, int length) => Require(name, length).ToFloat32();

    /// <summary>A [rows x cols] float matrix, viewed in place or converted to <paramref name="dtype"/>.</summary>
    public DenseMatrix Matrix(string name, int rows, int cols, WeightDType? dtype) =>
        DenseMatrix.FromTensor(Require(name, rows, cols), dtype);
}
