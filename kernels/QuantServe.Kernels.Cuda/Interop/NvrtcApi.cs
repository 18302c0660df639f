using System.Runtime.InteropServices;

namespace QuantServe.Kernels.Cuda.Interop;

/// <summary>NVRTC (nvrtc.h): CUDA C to PTX at run time. Every call returns an nvrtcResult.</summary>
internal static unsafe partial class NvrtcApi
{
    static NvrtcApi() => NativeLibraries.Register();

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcVersion(out int major, out int minor);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial byte* nvrtcGetErrorString(int result);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcCreateProgram(
        out IntPtr program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcDestroyProgram(ref IntPtr program);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcCompileProgram(IntPtr program, int optionCount, byte** options);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcGetPTXSize(IntPtr program, out nuint size);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcGetPTX(IntPtr program, byte* ptx);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcGetProgramLogSize(IntPtr program, out nuint size);

    [LibraryImport(NativeLibraries.Nvrtc)]
    public static partial int nvrtcGetProgramLog(IntPtr program, byte* log);
}
