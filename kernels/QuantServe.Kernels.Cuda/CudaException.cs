using System.Runtime.InteropServices;
using QuantServe.Kernels.Cuda.Interop;

namespace QuantServe.Kernels.Cuda;

/// <summary>A CUDA driver call returned an error: names the CUresult (e.g. CUDA_ERROR_OUT_OF_MEMORY) and the call.</summary>
public sealed class CudaException : Exception
{
    // Names for the codes we are likely to meet, for when libcuda cannot name them itself.
    private static readonly Dictionary<int, string> KnownNames = new()
    {
        [1] = "CUDA_ERROR_INVALID_VALUE", [2] = "CUDA_ERROR_OUT_OF_MEMORY", [3] = "CUDA_ERROR_NOT_INITIALIZED",
        [4] = "CUDA_ERROR_DEINITIALIZED", [35] = "CUDA_ERROR_INSUFFICIENT_DRIVER", [100] = "CUDA_ERROR_NO_DEVICE",
        [101] = "CUDA_ERROR_INVALID_DEVICE", [200] = "CUDA_ERROR_INVALID_IMAGE", [201] = "CUDA_ERROR_INVALID_CONTEXT",
        [209] = "CUDA_ERROR_NO_BINARY_FOR_GPU", [218] = "CUDA_ERROR_INVALID_PTX", [222] = "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        [400] = "CUDA_ERROR_INVALID_HANDLE", [500] = "CUDA_ERROR_NOT_FOUND", [600] = "CUDA_ERROR_NOT_READY",
        [700] = "CUDA_ERROR_ILLEGAL_ADDRESS", [701] = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", [702] = "CUDA_ERROR_LAUNCH_TIMEOUT",
        [716] = "CUDA_ERROR_MISALIGNED_ADDRESS", [719] = "CUDA_ERROR_LAUNCH_FAILED", [999] = "CUDA_ERROR_UNKNOWN",
    };

    public CudaException(int result, string call, string? detail = null)
        : this(NameOf(result), result, call, detail)
    {
    }

    /// <summary>For libraries with their own status codes (cuBLAS): the name is given.</summary>
    public CudaException(string errorName, int result, string call, string? detail = null)
        : base($"{call} failed: {errorName} ({result}){(detail is null ? "" : ": " + detail)}")
    {
        Result = result;
        Call = call;
        ErrorName = errorName;
    }

    /// <summary>The raw status code (a CUresult, or the library's own status).</summary>
    public int Result { get; }

    /// <summary>The driver function that failed, e.g. "cuMemAlloc".</summary>
    public string Call { get; }

    public string ErrorName { get; }

    /// <summary>Throws when <paramref name="result"/> is not CUDA_SUCCESS.</summary>
    internal static void Check(int result, string call)
    {
        if (result != 0)
            throw new CudaException(result, call, Describe(result));
    }

    internal static string NameOf(int result)
    {
        if (KnownNames.TryGetValue(result, out string? known))
            return known;
        return AskDriver(result, name: true) ?? $"CUDA_ERROR_{result}";
    }

    private static string? Describe(int result) => AskDriver(result, name: false);

    private static unsafe string? AskDriver(int result, bool name)
    {
        try
        {
            byte* text;
            int status = name ? CudaDriverApi.cuGetErrorName(result, out text) : CudaDriverApi.cuGetErrorString(result, out text);
            return status == 0 && text != null ? Marshal.PtrToStringUTF8((IntPtr)text) : null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }
}
