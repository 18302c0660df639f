using QuantServe.Kernels.Cuda;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// One device and one compiled kernel set for all device tests. Without a device they are skipped with the reason
/// (no libcuda.so.1, no device...), unless QUANTSERVE_REQUIRE_GPU=1 (bench/gpu/check.sh sets it): then they fail.
/// </summary>
public sealed class CudaDeviceFixture : IDisposable
{
    public CudaDeviceFixture()
    {
        Device = CudaDevice.TryOpen(out string reason);
        Reason = reason;
        if (Device is not null)
            Kernels = new CudaKernels(Device, new PtxCache(Path.Combine(Path.GetTempPath(), "quantserve-ptx-tests")));
    }

    public CudaDevice? Device { get; }

    public CudaKernels? Kernels { get; }

    public string Reason { get; }

    /// <summary>Skips (or, when a GPU is required, fails) the calling test when there is no device.</summary>
    public CudaKernels Require()
    {
        if (Kernels is not null)
            return Kernels;
        if (Environment.GetEnvironmentVariable("QUANTSERVE_REQUIRE_GPU") == "1")
            throw new InvalidOperationException($"QUANTSERVE_REQUIRE_GPU=1 but no CUDA device could be opened: {Reason}");
        Skip.If(true, $"no CUDA device: {Reason}");
        throw new InvalidOperationException("unreachable");
    }

    public void Dispose()
    {
        Kernels?.Dispose();
        Device?.Dispose();
    }
}
