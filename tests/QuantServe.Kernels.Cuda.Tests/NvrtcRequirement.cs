using QuantServe.Kernels.Cuda;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// NVRTC tests fail (never skip, never pass) when the library is missing, naming what to install:
/// CI must compile every kernel, and a silent pass would hide that it did not.
/// </summary>
internal static class NvrtcRequirement
{
    public static void Ensure()
    {
        if (NvrtcCompiler.TryGetVersion(out string reason) is null)
            throw new InvalidOperationException($"these tests need NVRTC and it is missing: {reason}. Run tools/setup-test-deps.sh (apt-get install libnvrtc11.2 from Debian non-free).");
    }
}
