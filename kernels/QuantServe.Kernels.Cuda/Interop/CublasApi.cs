using System.Runtime.InteropServices;

namespace QuantServe.Kernels.Cuda.Interop;

/// <summary>cuBLAS (cublas_api.h), just GemmEx: the dense fp16/bf16 baseline and fallback. Returns cublasStatus_t.</summary>
internal static unsafe partial class CublasApi
{
    public const int OpN = 0;
    public const int OpT = 1;
    public const int R32F = 0;
    public const int R16F = 2;
    public const int R16BF = 14;
    public const int Compute32F = 68;
    public const int GemmDefault = -1;

    static CublasApi() => NativeLibraries.Register();

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasCreate_v2")]
    public static partial int cublasCreate(out IntPtr handle);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasDestroy_v2")]
    public static partial int cublasDestroy(IntPtr handle);

    [LibraryImport(NativeLibraries.Cublas, EntryPoint = "cublasSetStream_v2")]
    public static partial int cublasSetStream(IntPtr handle, IntPtr stream);

    [LibraryImport(NativeLibraries.Cublas)]
    public static partial int cublasGemmEx(
        IntPtr handle, int transA, int transB, int m, int n, int k, void* alpha,
        ulong a, int aType, int lda, ulong b, int bType, int ldb, void* beta,
        ulong c, int cType, int ldc, int computeType, int algorithm);
}
