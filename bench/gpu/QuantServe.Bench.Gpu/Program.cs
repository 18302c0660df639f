using QuantServe.Bench.Gpu;
using QuantServe.Kernels.Cuda;

// Usage: QuantServe.Bench.Gpu [--check-only | --bench-only] [--report FILE]
//        QuantServe.Bench.Gpu --compile-only sm_90   (NVRTC only, no device: checks the published app's bindings)
// Exit code 1 when a kernel disagrees with its reference (or no device opens), so check.sh fails loudly.
int compileAt = Array.IndexOf(args, "--compile-only");
if (compileAt >= 0)
{
    string architecture = compileAt + 1 < args.Length ? args[compileAt + 1] : "sm_90";
    Console.WriteLine($"NVRTC {NvrtcCompiler.TryGetVersion(out string nvrtc)?.ToString() ?? "missing: " + nvrtc}");
    foreach (string file in KernelSources.Names)
        Console.WriteLine($"{file}: {NvrtcCompiler.CompileToPtx(KernelSources.Read(file), file, architecture, KernelSources.Headers).Length} bytes of PTX for {architecture}");
    return 0;
}

bool check = !args.Contains("--bench-only"), bench = !args.Contains("--check-only");
int reportAt = Array.IndexOf(args, "--report");
string? reportPath = reportAt >= 0 && reportAt + 1 < args.Length ? args[reportAt + 1] : null;

using var device = CudaDevice.TryOpen(out string reason);
if (device is null)
{
    Console.Error.WriteLine($"no CUDA device: {reason}");
    return 1;
}

var report = new Report();
report.Line($"# CUDA check on {device.Name} ({device.Architecture}, {device.MultiprocessorCount} SMs, L2 {device.L2CacheBytes >> 20} MiB, {device.TotalMemoryBytes >> 30} GiB)");
report.Line($"NVRTC {NvrtcCompiler.TryGetVersion(out _)}; datasheet-style peak from the memory clock and bus width: {device.TheoreticalBandwidthBytesPerSecond / 1e9:F0} GB/s");
using var kernels = new CudaKernels(device, new PtxCache(Path.Combine(Path.GetTempPath(), "quantserve-ptx")));
var started = DateTime.UtcNow;
kernels.LoadAll();
report.Line($"compiled and loaded every kernel in {(DateTime.UtcNow - started).TotalSeconds:F1} s");

bool ok = true;
if (check)
    ok = new KernelChecks(kernels, report).RunAll();
if (bench)
    new GemvTimings(kernels, report).RunAll();

if (reportPath is not null)
    File.WriteAllText(reportPath, report.Text);
Console.WriteLine(ok ? "ALL KERNEL CHECKS PASSED" : "SOME KERNEL CHECKS FAILED");
return ok ? 0 : 1;
