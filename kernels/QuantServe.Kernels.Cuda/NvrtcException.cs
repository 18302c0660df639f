namespace QuantServe.Kernels.Cuda;

/// <summary>An NVRTC call failed: names the nvrtcResult, the call, the program and, for compile errors, the log.</summary>
public sealed class NvrtcException : Exception
{
    public NvrtcException(string errorName, string call, string program, string log)
        : base($"{call} failed for {program}: {errorName}{(log.Length == 0 ? "" : "\n" + log)}")
    {
        ErrorName = errorName;
        Call = call;
        Program = program;
        Log = log;
    }

    /// <summary>e.g. NVRTC_ERROR_COMPILATION, NVRTC_ERROR_INVALID_OPTION.</summary>
    public string ErrorName { get; }

    public string Call { get; }

    /// <summary>The source's name, e.g. "rmsnorm.cu".</summary>
    public string Program { get; }

    /// <summary>The compiler's log (empty when the call failed before compiling).</summary>
    public string Log { get; }
}
