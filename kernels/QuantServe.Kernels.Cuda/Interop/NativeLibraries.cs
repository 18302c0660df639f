using System.Reflection;
using System.Runtime.InteropServices;

namespace QuantServe.Kernels.Cuda.Interop;

/// <summary>
/// Resolves the logical names the bindings import ("cuda", "nvrtc", "cublas") to whichever soname the
/// machine has: Debian's libnvrtc11.2 ships only libnvrtc.so.11.2, CUDA 12/13 toolkits their own majors.
/// </summary>
internal static class NativeLibraries
{
    public const string Cuda = "cuda";
    public const string Nvrtc = "nvrtc";
    public const string Cublas = "cublas";

    private static readonly Dictionary<string, string[]> Candidates = new()
    {
        [Cuda] = ["libcuda.so.1", "libcuda.so"],
        [Nvrtc] = ["libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
        [Cublas] = ["libcublas.so", "libcublas.so.13", "libcublas.so.12", "libcublas.so.11"],
    };

    private static int _registered;

    /// <summary>Installs the resolver once; every binding's static constructor calls this.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    /// <summary>Loads a library by logical name, or says which sonames were tried.</summary>
    public static bool TryLoad(string name, out IntPtr handle, out string reason)
    {
        foreach (string soname in Candidates[name])
        {
            if (NativeLibrary.TryLoad(soname, out handle))
            {
                reason = soname;
                return true;
            }
        }

        handle = IntPtr.Zero;
        reason = $"none of {string.Join(", ", Candidates[name])} could be loaded";
        return false;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (!Candidates.ContainsKey(name))
            return IntPtr.Zero;
        return TryLoad(name, out IntPtr handle, out _) ? handle : IntPtr.Zero;
    }
}
