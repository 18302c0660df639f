namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// One tensor of a safetensors file as its header describes it, after validation.
/// </summary>
/// <param name="Name">The tensor's key in the header.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, row-major ('C' order); empty for a scalar.</param>
/// <param name="DataOffset">Absolute byte offset of the first element within the file (not within the data buffer).</param>
/// <param name="ByteLength">Bytes the tensor occupies: product(Shape) * SizeOf(DType).</param>
public sealed record TensorInfo(string Name, SafetensorsDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Product of the dimensions (1 for a scalar, 0 when any dimension is 0).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dim in Shape)
            {
                count = checked(count * dim);
            }

            return count;
        }
    }

    /// <summary>The shape as the header writes it, e.g. "[4096, 11008]".</summary>
    public string ShapeText => FormatShape(Shape);

    public override string ToString() =>
        $"{Name}: {SafetensorsDTypes.Name(DType)}{ShapeText} at byte {DataOffset} ({ByteLength} bytes)";

    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
