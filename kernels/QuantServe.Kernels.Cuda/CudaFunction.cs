using static QuantServe.Kernels.Cuda.Interop.CudaDriverApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>A kernel in a loaded module; <see cref="Launch"/> queues it with cuLaunchKernel.</summary>
public sealed unsafe class CudaFunction
{
    private const int MaxDynamicSharedSizeBytes = 8;

    private readonly CudaDevice _device;
    private readonly IntPtr _handle;

    internal CudaFunction(CudaDevice device, IntPtr handle, string name)
    {
        _device = device;
        _handle = handle;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Lets launches ask for more than 48 KB of dynamic shared memory.</summary>
    public void SetMaxDynamicSharedMemory(int bytes)
    {
        _device.MakeCurrent();
        CudaException.Check(cuFuncSetAttribute(_handle, MaxDynamicSharedSizeBytes, bytes), $"cuFuncSetAttribute({Name}, max dynamic shared {bytes})");
    }

    public void Launch(LaunchShape grid, LaunchShape block, KernelArguments arguments, int sharedBytes = 0, CudaStream? stream = null)
    {
        if (grid.Count == 0)
            return;
        _device.MakeCurrent();
        int result = cuLaunchKernel(_handle, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, (uint)sharedBytes,
            stream?.Handle ?? IntPtr.Zero, arguments.Pointers, null);
        if (result != 0)
            throw new CudaException(result, "cuLaunchKernel", $"{Name} grid {grid} block {block} shared {sharedBytes} bytes");
    }
}
