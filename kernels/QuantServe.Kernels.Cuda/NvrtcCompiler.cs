using System.Runtime.InteropServices;
using System.Text;
using QuantServe.Kernels.Cuda.Interop;

namespace QuantServe.Kernels.Cuda;

/// <summary>
/// Compiles CUDA C to PTX with NVRTC for one GPU architecture ("sm_80", "sm_89", "sm_90"), without a GPU.
/// Headers are passed by name (the kernels include "common.cuh"); nothing is read from disk.
/// </summary>
public static unsafe class NvrtcCompiler
{
    /// <summary>The options every kernel is compiled with (besides the architecture).</summary>
    public static readonly IReadOnlyList<string> DefaultOptions = ["--std=c++17", "--device-as-default-execution-space"];

    /// <summary>NVRTC's version, or null with the reason (library missing) in <paramref name="reason"/>.</summary>
    public static Version? TryGetVersion(out string reason)
    {
        if (!NativeLibraries.TryLoad(NativeLibraries.Nvrtc, out _, out reason))
        {
            reason = $"NVRTC is not installed ({reason}); on Debian install libnvrtc11.2 from non-free (tools/setup-test-deps.sh does)";
            return null;
        }

        Check(NvrtcApi.nvrtcVersion(out int major, out int minor), "nvrtcVersion", "(version)");
        return new Version(major, minor);
    }

    /// <summary>Compiles <paramref name="source"/> to PTX; throws <see cref="NvrtcException"/> with the log on failure.</summary>
    public static string CompileToPtx(
        string source, string name, string architecture,
        IReadOnlyDictionary<string, string>? headers = null, IEnumerable<string>? extraOptions = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var options = new List<string> { "--gpu-architecture=" + ComputeTarget(architecture) };
        options.AddRange(DefaultOptions);
        if (extraOptions is not null)
            options.AddRange(extraOptions);
        var headerList = headers?.ToArray() ?? [];

        using var strings = new NativeStrings();
        byte** headerTexts = strings.Array(headerList.Select(h => h.Value).ToArray());
        byte** headerNames = strings.Array(headerList.Select(h => h.Key).ToArray());
        byte** optionTexts = strings.Array(options.ToArray());
        IntPtr program;
        Check(NvrtcApi.nvrtcCreateProgram(out program, strings.One(source), strings.One(name), headerList.Length, headerTexts, headerNames),
            "nvrtcCreateProgram", name);
        try
        {
            int compiled = NvrtcApi.nvrtcCompileProgram(program, options.Count, optionTexts);
            if (compiled != 0)
                throw new NvrtcException(ErrorName(compiled), "nvrtcCompileProgram", name, Log(program, name));
            Check(NvrtcApi.nvrtcGetPTXSize(program, out nuint size), "nvrtcGetPTXSize", name);
            var ptx = new byte[size];
            fixed (byte* p = ptx)
                Check(NvrtcApi.nvrtcGetPTX(program, p), "nvrtcGetPTX", name);
            return Encoding.UTF8.GetString(ptx, 0, Math.Max(0, ptx.Length - 1));
        }
        finally
        {
            NvrtcApi.nvrtcDestroyProgram(ref program);
        }
    }

    /// <summary>"sm_90" -> "compute_90" (PTX is compiled for the virtual architecture).</summary>
    public static string ComputeTarget(string architecture)
    {
        if (architecture is null || !architecture.StartsWith("sm_", StringComparison.Ordinal) || architecture.Length < 5
            || !architecture[3..].All(c => char.IsAsciiDigit(c) || c == 'a'))
            throw new ArgumentException($"architecture '{architecture}' is not of the form sm_80, sm_89, sm_90", nameof(architecture));
        return "compute_" + architecture[3..];
    }

    internal static string ErrorName(int result)
    {
        byte* text = NvrtcApi.nvrtcGetErrorString(result);
        return text == null ? $"NVRTC_ERROR_{result}" : Marshal.PtrToStringUTF8((IntPtr)text)!;
    }

    private static string Log(IntPtr program, string name)
    {
        Check(NvrtcApi.nvrtcGetProgramLogSize(program, out nuint size), "nvrtcGetProgramLogSize", name);
        var log = new byte[size];
        fixed (byte* p = log)
            Check(NvrtcApi.nvrtcGetProgramLog(program, p), "nvrtcGetProgramLog", name);
        return Encoding.UTF8.GetString(log, 0, Math.Max(0, log.Length - 1)).Trim();
    }

    private static void Check(int result, string call, string program)
    {
        if (result != 0)
            throw new NvrtcException(ErrorName(result), call, program, "");
    }
}
