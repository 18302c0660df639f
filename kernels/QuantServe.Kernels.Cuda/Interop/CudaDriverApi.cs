using System.Runtime.InteropServices;

namespace QuantServe.Kernels.Cuda.Interop;

/// <summary>
/// The CUDA driver API (libcuda.so.1, cuda.h), only the calls the backend uses. Every function returns a
/// CUresult; callers pass it to <see cref="CudaException.Check"/>. Handles are opaque pointers,
/// device memory is a 64-bit CUdeviceptr.
/// </summary>
internal static unsafe partial class CudaDriverApi
{
    static CudaDriverApi() => NativeLibraries.Register();

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuInit(uint flags);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuDriverGetVersion(out int version);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuGetErrorName(int result, out byte* name);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuGetErrorString(int result, out byte* text);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuDeviceGetCount(out int count);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuDeviceGetAttribute(out int value, CudaDeviceAttribute attribute, int device);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDeviceTotalMem_v2")]
    public static partial int cuDeviceTotalMem(out nuint bytes, int device);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuDevicePrimaryCtxRetain(out IntPtr context, int device);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int cuDevicePrimaryCtxRelease(int device);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuCtxSetCurrent(IntPtr context);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuCtxSynchronize();

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemGetInfo_v2")]
    public static partial int cuMemGetInfo(out nuint free, out nuint total);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuStreamCreate(out IntPtr stream, uint flags);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuStreamDestroy_v2")]
    public static partial int cuStreamDestroy(IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuStreamSynchronize(IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuEventCreate(out IntPtr evt, uint flags);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuEventDestroy_v2")]
    public static partial int cuEventDestroy(IntPtr evt);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuEventRecord(IntPtr evt, IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuEventSynchronize(IntPtr evt);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuEventElapsedTime(out float milliseconds, IntPtr start, IntPtr end);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemAlloc_v2")]
    public static partial int cuMemAlloc(out ulong pointer, nuint bytes);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemFree_v2")]
    public static partial int cuMemFree(ulong pointer);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    public static partial int cuMemcpyHtoDAsync(ulong destination, void* source, nuint bytes, IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    public static partial int cuMemcpyDtoHAsync(void* destination, ulong source, nuint bytes, IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    public static partial int cuMemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda, EntryPoint = "cuMemsetD8Async")]
    public static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, IntPtr stream);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuModuleLoadDataEx(out IntPtr module, byte* image, uint optionCount, int* options, void** values);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuModuleUnload(IntPtr module);

    [LibraryImport(NativeLibraries.Cuda, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int cuModuleGetFunction(out IntPtr function, IntPtr module, string name);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuFuncSetAttribute(IntPtr function, int attribute, int value);

    [LibraryImport(NativeLibraries.Cuda)]
    public static partial int cuLaunchKernel(
        IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, IntPtr stream, void** parameters, void** extra);
}
