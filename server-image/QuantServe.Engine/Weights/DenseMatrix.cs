using QuantServe.Engine.Checkpoints;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Weights;

/// <summary>
/// A row-major [rows x cols] matrix in fp32, fp16 or bf16: a zero-copy view of the memory-mapped
/// checkpoint when the dtype already matches, otherwise converted once at load into native memory.
/// </summary>
public sealed unsafe class DenseMatrix : IDisposable
{
    private readonly void* _data;
    private readonly NativeBuffer? _owned;

    private DenseMatrix(void* data, WeightDType dtype, int rows, int cols, NativeBuffer? owned)
    {
        _data = data;
        DType = dtype;
        Rows = rows;
        Cols = cols;
        _owned = owned;
    }

    public WeightDType DType { get; }
    public int Rows { get; }
    public int Cols { get; }
    public long Bytes => (long)Rows * Cols * WeightDTypes.SizeOf(DType);

    /// <summary>Views or converts a 2-D float tensor; <paramref name="target"/> null keeps the stored dtype.</summary>
    public static DenseMatrix FromTensor(TensorView tensor, WeightDType? target)
    {
        var info = tensor.Info;
        var stored = WeightDTypes.FromSafetensors(info.DType)
            ?? throw new InvalidDataException($"{tensor.FilePath}: tensor '{info.Name}' has dtype {SafetensorsDTypes.Name(info.DType)}; a dense weight must be F32, F16 or BF16.");
        if (info.Shape.Length != 2)
            throw new InvalidDataException($"{tensor.FilePath}: tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}]; a weight matrix must have 2 dimensions.");
        int rows = checked((int)info.Shape[0]), cols = checked((int)info.Shape[1]);
        var dtype = target ?? stored;
        if (dtype == stored)
            return new DenseMatrix(tensor.Pointer, dtype, rows, cols, owned: null);

        var buffer = new NativeBuffer((long)rows * cols * WeightDTypes.SizeOf(dtype));
        var row = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            ReadRow(tensor.Pointer, stored, cols, r, row);
            WriteRow(buffer.Pointer, dtype, cols, r, row);
        }
        return new DenseMatrix(buffer.Pointer, dtype, rows, cols, buffer);
    }

    /// <summary>Wraps fp32 data the caller built (tests, the model maker).</summary>
    public static DenseMatrix FromFloats(ReadOnlySpan<float> values, int rows, int cols, WeightDType dtype)
    {
        if (values.Length != (long)rows * cols)
            throw new ArgumentException($"expected {rows}x{cols} values, got {values.Length}", nameof(values));
        var buffer = new NativeBuffer((long)rows * cols * WeightDTypes.SizeOf(dtype));
        for (int r = 0; r < rows; r++)
            WriteRow(buffer.Pointer, dtype, cols, r, values.Slice(r * cols, cols));
        return new DenseMatrix(buffer.Pointer, dtype, rows, cols, buffer);
    }

    /// <summary>Row <paramref name="row"/> as fp32 (embedding lookup).</summary>
    public void ReadRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows)
            throw new ArgumentOutOfRangeException(nameof(row), $"row {row} is outside [0, {Rows})");
        ReadRow(_data, DType, Cols, row, destination[..Cols]);
    }

    /// <summary>output[m x Rows] = input[m x Cols] * this^T.</summary>
    public void MultiplyTransposed(float* input, float* output, int m)
    {
        switch (DType)
        {
            case WeightDType.F32: MatMul.F32(input, (float*)_data, output, m, Rows, Cols); break;
            case WeightDType.F16: MatMul.F16(input, (Half*)_data, output, m, Rows, Cols); break;
            default: MatMul.BF16(input, (ushort*)_data, output, m, Rows, Cols); break;
        }
    }

    public void Dispose() => _owned?.Dispose();

    private static void ReadRow(void* data, WeightDType dtype, int cols, int row, Span<float> destination)
    {
        long offset = (long)row * cols;
        switch (dtype)
        {
            case WeightDType.F32: new ReadOnlySpan<float>((float*)data + offset, cols).CopyTo(destination); break;
            case WeightDType.F16: FloatConversions.F16ToF32(new ReadOnlySpan<Half>((Half*)data + offset, cols), destination); break;
            default: FloatConversions.BF16ToF32(new ReadOnlySpan<ushort>((ushort*)data + offset, cols), destination); break;
        }
    }

    private static void WriteRow(void* data, WeightDType dtype, int cols, int row, ReadOnlySpan<float> source)
    {
        long offset = (long)row * cols;
        switch (dtype)
        {
            case WeightDType.F32: source.CopyTo(new Span<float>((float*)data + offset, cols)); break;
            case WeightDType.F16: FloatConversions.F32ToF16(source, new Span<Half>((Half*)data + offset, cols)); break;
            default: FloatConversions.F32ToBF16(source, new Span<ushort>((ushort*)data + offset, cols)); break;
        }
    }
}
