using QuantServe.Kernels.Cuda.Interop;
using static QuantServe.Kernels.Cuda.Interop.CublasApi;

namespace QuantServe.Kernels.Cuda;

/// <summary>
/// cuBLAS where the library is present: C[M, N] (fp32) = A[M, K] * W[N, K]^T with A and W fp16 or bf16 row-major,
/// fp32 accumulation. Row-major [N, K] is column-major K x N, so W^T comes from OP_T with lda = K.
/// </summary>
public sealed unsafe class Cublas : IDisposable
{
    private readonly CudaDevice _device;
    private IntPtr _handle;

    private Cublas(CudaDevice device, IntPtr handle)
    {
        _device = device;
        _handle = handle;
    }

    /// <summary>A cuBLAS handle on <paramref name="device"/>, or null with the reason (library missing, init failed).</summary>
    public static Cublas? TryCreate(CudaDevice device, out string reason)
    {
        if (!NativeLibraries.TryLoad(NativeLibraries.Cublas, out _, out string tried))
        {
            reason = $"cuBLAS is not installed: {tried}";
            return null;
        }

        device.MakeCurrent();
        int status = cublasCreate(out IntPtr handle);
        if (status != 0)
        {
            reason = $"cublasCreate failed: {StatusNames.GetValueOrDefault(status, $"CUBLAS_STATUS_{status}")}";
            return null;
        }

        reason = tried;
        return new Cublas(device, handle);
    }

    public void Gemm(DeviceBuffer<ushort> a, DeviceBuffer<ushort> w, DeviceBuffer<float> c, int m, int n, int k, bool bf16, CudaStream? stream = null)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        if (a.Count < (long)m * k || w.Count < (long)n * k || c.Count < (long)m * n)
            throw new ArgumentException($"cuBLAS gemm [{m}, {k}] x [{n}, {k}]^T: buffers hold {a.Count}, {w.Count}, {c.Count} values");
        _device.MakeCurrent();
        Check(cublasSetStream(_handle, stream is null ? IntPtr.Zero : StreamHandle(stream)), "cublasSetStream");
        float alpha = 1f, beta = 0f;
        int type = bf16 ? R16BF : R16F;
        Check(cublasGemmEx(_handle, OpT, OpN, n, m, k, &alpha, w.Pointer, type, k, a.Pointer, type, k, &beta, c.Pointer, R32F, n, Compute32F, GemmDefault),
            "cublasGemmEx");
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero)
            return;
        _device.MakeCurrent();
        cublasDestroy(_handle);
        _handle = IntPtr.Zero;
    }

    private static IntPtr StreamHandle(CudaStream stream) => stream.Handle;

    private static readonly Dictionary<int, string> StatusNames = new()
    {
        [1] = "CUBLAS_STATUS_NOT_INITIALIZED", [3] = "CUBLAS_STATUS_ALLOC_FAILED", [7] = "CUBLAS_STATUS_INVALID_VALUE",
        [8] = "CUBLAS_STATUS_ARCH_MISMATCH", [11] = "CUBLAS_STATUS_MAPPING_ERROR", [13] = "CUBLAS_STATUS_EXECUTION_FAILED",
        [14] = "CUBLAS_STATUS_INTERNAL_ERROR", [15] = "CUBLAS_STATUS_NOT_SUPPORTED", [16] = "CUBLAS_STATUS_LICENSE_ERROR",
    };

    private static void Check(int status, string call)
    {
        if (status != 0)
            throw new CudaException(StatusNames.GetValueOrDefault(status, $"CUBLAS_STATUS_{status}"), status, call);
    }
}
