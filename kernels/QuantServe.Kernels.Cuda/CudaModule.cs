using System.Text;
using static QuantServe.Kernels.Cuda.Interop.CudaDriverApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>A loaded module (PTX JIT-compiled by the driver); the JIT's error log goes into the exception.</summary>
public sealed unsafe class CudaModule : IDisposable
{
    private const int JitErrorLogBuffer = 5;
    private const int JitErrorLogBufferSizeBytes = 6;

    private readonly CudaDevice _device;
    private IntPtr _handle;

    internal CudaModule(CudaDevice device, string ptx, string name)
    {
        _device = device;
        Name = name;
        device.MakeCurrent();
        byte[] image = Encoding.UTF8.GetBytes(ptx + "\0");
        var log = new byte[8192];
        int* options = stackalloc int[] { JitErrorLogBuffer, JitErrorLogBufferSizeBytes };
        fixed (byte* imagePointer = image)
        fixed (byte* logPointer = log)
        {
            void** values = stackalloc void*[] { logPointer, (void*)(nint)log.Length };
            int result = cuModuleLoadDataEx(out _handle, imagePointer, 2, options, values);
            if (result != 0)
            {
                string jitLog = Encoding.UTF8.GetString(log, 0, Math.Max(0, Array.IndexOf(log, (byte)0))).Trim();
                throw new CudaException(result, "cuModuleLoadDataEx", $"module {name}{(jitLog.Length > 0 ? ": " + jitLog : "")}");
            }
        }
    }

    public string Name { get; }

    public CudaFunction GetFunction(string name)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        _device.MakeCurrent();
        int result = cuModuleGetFunction(out IntPtr function, _handle, name);
        if (result != 0)
            throw new CudaException(result, "cuModuleGetFunction", $"no kernel '{name}' in module {Name}");
        return new CudaFunction(_device, function, name);
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero)
            return;
        _device.MakeCurrent();
        cuModuleUnload(_handle);
        _handle = IntPtr.Zero;
    }
}
