using static QuantServe.Kernels.Cuda.Interop.CudaDriverApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>A CUDA stream: work queued on it runs in order.</summary>
public sealed class CudaStream : IDisposable
{
    private readonly CudaDevice _device;
    private IntPtr _handle;

    internal CudaStream(CudaDevice device)
    {
        _device = device;
        device.MakeCurrent();
        CudaException.Check(cuStreamCreate(out _handle, 0), "cuStreamCreate");
    }

    internal IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
            return _handle;
        }
    }

    public void Synchronize()
    {
        _device.MakeCurrent();
        CudaException.Check(cuStreamSynchronize(Handle), "cuStreamSynchronize");
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero)
            return;
        _device.MakeCurrent();
        cuStreamDestroy(_handle);
        _handle = IntPtr.Zero;
    }
}
