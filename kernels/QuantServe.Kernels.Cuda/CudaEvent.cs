using static QuantServe.Kernels.Cuda.Interop.CudaDriverApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>A CUDA event, for timing work on a stream (<see cref="ElapsedMilliseconds"/>).</summary>
public sealed class CudaEvent : IDisposable
{
    private readonly CudaDevice _device;
    private IntPtr _handle;

    internal CudaEvent(CudaDevice device)
    {
        _device = device;
        device.MakeCurrent();
        CudaException.Check(cuEventCreate(out _handle, 0), "cuEventCreate");
    }

    public void Record(CudaStream? stream = null)
    {
        _device.MakeCurrent();
        CudaException.Check(cuEventRecord(Handle, stream?.Handle ?? IntPtr.Zero), "cuEventRecord");
    }

    public void Synchronize()
    {
        _device.MakeCurrent();
        CudaException.Check(cuEventSynchronize(Handle), "cuEventSynchronize");
    }

    /// <summary>GPU time from <paramref name="start"/> to this event (both recorded; waits for this one).</summary>
    public float ElapsedMilliseconds(CudaEvent start)
    {
        Synchronize();
        CudaException.Check(cuEventElapsedTime(out float ms, start.Handle, Handle), "cuEventElapsedTime");
        return ms;
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero)
            return;
        _device.MakeCurrent();
        cuEventDestroy(_handle);
        _handle = IntPtr.Zero;
    }

    private IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
            return _handle;
        }
    }
}
