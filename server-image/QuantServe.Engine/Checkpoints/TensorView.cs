using System.Runtime.InteropServices;

namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// A tensor's bytes where they lie in a memory-mapped safetensors file: no copy is made. Valid only
/// while the <see cref="SafetensorsFile"/> or <see cref="SafetensorsCheckpoint"/> that produced it is
/// open. Data is little-endian, row-major; the host is assumed little-endian (x64, arm64).
/// </summary>
public readonly unsafe struct TensorView
{
    public TensorView(TensorInfo info, string filePath, byte* pointer)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(filePath);
        if (pointer is null && info.ByteLength > 0)
        {
            throw new ArgumentNullException(nameof(pointer), $"tensor '{info.Name}' has {info.ByteLength} bytes but the pointer is null");
        }

        Info = info;
        FilePath = filePath;
        Pointer = pointer;
    }

    public TensorInfo Info { get; }

    /// <summary>The file that holds the tensor.</summary>
    public string FilePath { get; }

    /// <summary>The first byte of the tensor in the mapped file.</summary>
    public byte* Pointer { get; }

    public string Name => Info.Name;

    public SafetensorsDType DType => Info.DType;

    public int Rank => Info.Shape.Length;

    public long ElementCount => Info.ElementCount;

    /// <summary>The tensor's raw bytes; tensors over 2 GiB are reachable through <see cref="Pointer"/> only.</summary>
    public ReadOnlySpan<byte> Bytes => new(Pointer, CheckedSpanLength(Info.ByteLength, "bytes"));

    /// <summary>Size of dimension <paramref name="index"/>; negative indices count from the last (-1 is the last).</summary>
    public long Dim(int index)
    {
        int rank = Rank;
        int resolved = index < 0 ? index + rank : index;
        if (resolved < 0 || resolved >= rank)
        {
            throw new ArgumentOutOfRangeException(
                nameof(index), index, $"tensor '{Name}' has shape {Info.ShapeText} (rank {rank})");
        }

        return Info.Shape[resolved];
    }

    /// <summary>
    /// The elements reinterpreted as <typeparamref name="T"/> without a copy; <typeparamref name="T"/>
    /// must have the dtype's size (e.g. <see cref="Half"/> or <see cref="ushort"/> for F16 and BF16).
    /// </summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        int size = SafetensorsDTypes.SizeOf(DType);
        if (sizeof(T) != size)
        {
            throw new SafetensorsException(
                $"{FilePath}: tensor '{Name}' is {SafetensorsDTypes.Name(DType)} ({size} bytes per element) and cannot be read as " +
                $"{typeof(T).Name} ({sizeof(T)} bytes); use a {size}-byte type or ToFloat32().");
        }

        // Lengths come from ByteLength, which the file validated, never from the (mutable) Shape array.
        return new ReadOnlySpan<T>(Pointer, CheckedSpanLength(Info.ByteLength / size, "elements"));
    }

    /// <summary>
    /// A float32 copy of the tensor: floats are widened or narrowed, F8_E4M3 goes through
    /// <see cref="Float8E4M3"/>, integers are converted by value and BOOL becomes 0 or 1.
    /// </summary>
    public float[] ToFloat32()
    {
        int count = CheckedSpanLength(Info.ByteLength / SafetensorsDTypes.SizeOf(DType), "elements");
        var result = new float[count];
        ReadOnlySpan<byte> bytes = new(Pointer, CheckedSpanLength(Info.ByteLength, "bytes"));
        switch (DType)
        {
            case SafetensorsDType.F64:
                Widen(MemoryMarshal.Cast<byte, double>(bytes), result, static value => (float)value);
                break;
            case SafetensorsDType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                break;
            case SafetensorsDType.F16:
                Widen(MemoryMarshal.Cast<byte, Half>(bytes), result, static value => (float)value);
                break;
            case SafetensorsDType.BF16:
                // bfloat16 is the upper half of a float32.
                Widen(MemoryMarshal.Cast<byte, ushort>(bytes), result, static bits => BitConverter.UInt32BitsToSingle((uint)bits << 16));
                break;
            case SafetensorsDType.F8_E4M3:
                Float8E4M3.ToSingle(bytes, result);
                break;
            case SafetensorsDType.I64:
                Widen(MemoryMarshal.Cast<byte, long>(bytes), result, static value => value);
                break;
            case SafetensorsDType.I32:
                Widen(MemoryMarshal.Cast<byte, int>(bytes), result, static value => value);
                break;
            case SafetensorsDType.I16:
                Widen(MemoryMarshal.Cast<byte, short>(bytes), result, static value => value);
                break;
            case SafetensorsDType.I8:
                Widen(MemoryMarshal.Cast<byte, sbyte>(bytes), result, static value => value);
                break;
            case SafetensorsDType.U8:
                Widen(bytes, result, static value => value);
                break;
            case SafetensorsDType.BOOL:
                Widen(bytes, result, static value => value != 0 ? 1f : 0f);
                break;
            default:
                throw new InvalidOperationException($"dtype {DType} has no float32 conversion");
        }

        return result;
    }

    public override string ToString() => $"{Info} in {FilePath}";

    private static void Widen<T>(ReadOnlySpan<T> source, Span<float> destination, Func<T, float> convert)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = convert(source[i]);
        }
    }

    private int CheckedSpanLength(long length, string unit)
    {
        if (length > int.MaxValue)
        {
            throw new SafetensorsException(
                $"{FilePath}: tensor '{Name}' has {length} {unit}, more than a span can hold ({int.MaxValue}); " +
                "read it through Pointer in pieces.");
        }

        return (int)length;
    }
}
