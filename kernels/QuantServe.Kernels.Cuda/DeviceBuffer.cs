using static QuantServe.Kernels.Cuda.Interop.CudaDriverApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>Device memory holding <see cref="Count"/> values of <typeparamref name="T"/> (cuMemAlloc: 256-byte aligned).</summary>
public sealed unsafe class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly CudaDevice _device;
    private ulong _pointer;

    internal DeviceBuffer(CudaDevice device, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _device = device;
        Count = count;
        device.MakeCurrent();
        // A zero-length buffer still gets one allocation so its pointer is valid to pass.
        CudaException.Check(cuMemAlloc(out _pointer, (nuint)Math.Max(1, Bytes)), $"cuMemAlloc({Bytes} bytes)");
    }

    public long Count { get; }

    public long Bytes => Count * sizeof(T);

    /// <summary>The CUdeviceptr, for kernel arguments.</summary>
    public ulong Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == 0, this);
            return _pointer;
        }
    }

    public void CopyFrom(ReadOnlySpan<T> values, CudaStream? stream = null)
    {
        RequireLength(values.Length, "source");
        _device.MakeCurrent();
        fixed (T* p = values)
            CudaException.Check(cuMemcpyHtoDAsync(Pointer, p, (nuint)Bytes, stream?.Handle ?? IntPtr.Zero), "cuMemcpyHtoDAsync");
        Wait(stream);
    }

    public void CopyTo(Span<T> values, CudaStream? stream = null)
    {
        RequireLength(values.Length, "destination");
        _device.MakeCurrent();
        fixed (T* p = values)
            CudaException.Check(cuMemcpyDtoHAsync(p, Pointer, (nuint)Bytes, stream?.Handle ?? IntPtr.Zero), "cuMemcpyDtoHAsync");
        Wait(stream);
    }

    public T[] ToArray(CudaStream? stream = null)
    {
        var values = new T[Count];
        CopyTo(values, stream);
        return values;
    }

    public void CopyFrom(DeviceBuffer<T> source, CudaStream? stream = null)
    {
        RequireLength(source.Count, "source buffer");
        _device.MakeCurrent();
        CudaException.Check(cuMemcpyDtoDAsync(Pointer, source.Pointer, (nuint)Bytes, stream?.Handle ?? IntPtr.Zero), "cuMemcpyDtoDAsync");
    }

    /// <summary>Sets every byte to zero, ordered on <paramref name="stream"/>.</summary>
    public void Clear(CudaStream? stream = null)
    {
        _device.MakeCurrent();
        CudaException.Check(cuMemsetD8Async(Pointer, 0, (nuint)Bytes, stream?.Handle ?? IntPtr.Zero), "cuMemsetD8Async");
    }

    public void Dispose()
    {
        if (_pointer == 0)
            return;
        _device.MakeCurrent();
        cuMemFree(_pointer);
        _pointer = 0;
    }

    private void RequireLength(long length, string what)
    {
        if (length != Count)
            throw new ArgumentException($"{what} has {length} values but the device buffer holds {Count} {typeof(T).Name}");
    }

    private static void Wait(CudaStream? stream)
    {
        if (stream is null)
            CudaException.Check(cuStreamSynchronize(IntPtr.Zero), "cuStreamSynchronize");
        else
            stream.Synchronize();
    }
}
