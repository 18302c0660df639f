namespace QuantServe.Engine.Checkpoints;

/// <summary>A tensor to write: its little-endian, row-major bytes and how to read them.</summary>
/// <param name="Name">Header key; any string except <c>__metadata__</c>.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions; empty for a scalar.</param>
/// <param name="Data">Exactly product(Shape) * SizeOf(DType) bytes.</param>
public sealed record TensorData(string Name, SafetensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data);
