using System.Runtime.InteropServices;
using System.Text;
using QuantServe.Kernels.Cuda.Interop;
using static QuantServe.Kernels.Cuda.Interop.CudaDriverApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>
/// One GPU through the CUDA driver API, on its primary context (the one cuBLAS and the runtime share).
/// Every operation makes the context current on the calling thread first, so any thread may use it.
/// </summary>
public sealed unsafe class CudaDevice : IDisposable
{
    private bool _disposed;

    private CudaDevice(int ordinal, int handle, IntPtr context)
    {
        Ordinal = ordinal;
        Handle = handle;
        Context = context;
        var name = new byte[256];
        fixed (byte* p = name)
            CudaException.Check(cuDeviceGetName(p, name.Length, handle), "cuDeviceGetName");
        Name = Encoding.UTF8.GetString(name, 0, Array.IndexOf(name, (byte)0) is var end and >= 0 ? end : name.Length);
        ComputeCapability = new Version(Attribute(CudaDeviceAttribute.ComputeCapabilityMajor), Attribute(CudaDeviceAttribute.ComputeCapabilityMinor));
        MultiprocessorCount = Attribute(CudaDeviceAttribute.MultiprocessorCount);
        L2CacheBytes = Attribute(CudaDeviceAttribute.L2CacheSize);
        MaxSharedMemoryPerBlockOptIn = Attribute(CudaDeviceAttribute.MaxSharedMemoryPerBlockOptin);
        // Memory clock in kHz, double data rate, bus width in bits: the datasheet's peak, not a measurement.
        TheoreticalBandwidthBytesPerSecond = 2.0 * Attribute(CudaDeviceAttribute.MemoryClockRate) * 1e3 * Attribute(CudaDeviceAttribute.GlobalMemoryBusWidth) / 8;
        CudaException.Check(cuDeviceTotalMem(out nuint total, handle), "cuDeviceTotalMem");
        TotalMemoryBytes = (long)total;
    }

    public int Ordinal { get; }

    public string Name { get; }

    public Version ComputeCapability { get; }

    /// <summary>"sm_90" for compute capability 9.0: what NVRTC compiles for.</summary>
    public string Architecture => $"sm_{ComputeCapability.Major}{ComputeCapability.Minor}";

    public int MultiprocessorCount { get; }

    public int L2CacheBytes { get; }

    public int MaxSharedMemoryPerBlockOptIn { get; }

    public long TotalMemoryBytes { get; }

    public double TheoreticalBandwidthBytesPerSecond { get; }

    internal int Handle { get; }

    internal IntPtr Context { get; }

    /// <summary>
    /// Opens GPU <paramref name="ordinal"/>, or returns null and says why (no libcuda.so.1, no driver, no device,
    /// ordinal out of range) in <paramref name="reason"/>. Errors other than "nothing there" still throw.
    /// </summary>
    public static CudaDevice? TryOpen(out string reason, int ordinal = 0)
    {
        if (!NativeLibraries.TryLoad(NativeLibraries.Cuda, out _, out string tried))
        {
            reason = $"no CUDA driver: {tried} (no NVIDIA driver installed)";
            return null;
        }

        int init = cuInit(0);
        if (init != 0)
        {
            reason = $"cuInit failed: {CudaException.NameOf(init)} ({init})";
            return null;
        }

        CudaException.Check(cuDeviceGetCount(out int count), "cuDeviceGetCount");
        if (ordinal < 0 || ordinal >= count)
        {
            reason = count == 0 ? "the CUDA driver sees no device" : $"device {ordinal} does not exist ({count} present)";
            return null;
        }

        CudaException.Check(cuDeviceGet(out int handle, ordinal), "cuDeviceGet");
        CudaException.Check(cuDevicePrimaryCtxRetain(out IntPtr context, handle), "cuDevicePrimaryCtxRetain");
        CudaException.Check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        var device = new CudaDevice(ordinal, handle, context);
        reason = $"{device.Name} ({device.Architecture})";
        return device;
    }

    /// <summary>Like <see cref="TryOpen"/>, but throws with the reason when there is no device.</summary>
    public static CudaDevice Open(int ordinal = 0) =>
        TryOpen(out string reason, ordinal) ?? throw new InvalidOperationException($"no CUDA device {ordinal}: {reason}");

    /// <summary>Makes this device's context current on the calling thread.</summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CudaException.Check(cuCtxSetCurrent(Context), "cuCtxSetCurrent");
    }

    /// <summary>Waits for all work on the device; a kernel fault surfaces here as its CUresult.</summary>
    public void Synchronize()
    {
        MakeCurrent();
        CudaException.Check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    public (long Free, long Total) MemoryInfo()
    {
        MakeCurrent();
        CudaException.Check(cuMemGetInfo(out nuint free, out nuint total), "cuMemGetInfo");
        return ((long)free, (long)total);
    }

    public DeviceBuffer<T> Allocate<T>(long count) where T : unmanaged => new(this, count);

    /// <summary>Allocates and copies <paramref name="values"/> to the device (synchronously).</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var buffer = new DeviceBuffer<T>(this, values.Length);
        buffer.CopyFrom(values);
        return buffer;
    }

    public CudaStream CreateStream() => new(this);

    public CudaEvent CreateEvent() => new(this);

    /// <summary>Loads PTX (JIT-compiled by the driver for this device).</summary>
    public CudaModule LoadModule(string ptx, string name) => new(this, ptx, name);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        cuDevicePrimaryCtxRelease(Handle);
    }

    private int Attribute(CudaDeviceAttribute attribute)
    {
        CudaException.Check(cuDeviceGetAttribute(out int value, attribute, Handle), "cuDeviceGetAttribute(" + attribute + ")");
        return value;
    }
}
