using System.Globalization;
using System.Text;
using QuantServe.Bench.Ceilings;
using QuantServe.Bench.Kernels;
using QuantServe.Bench.Model;
using QuantServe.Engine.Models;

namespace QuantServe.Bench;

/// <summary>
/// `make bench`: measures the machine's ceilings first, then every benchmark as a ratio to them, and
/// writes one markdown report (out/bench/results.md) that docs/BENCHMARKS.md quotes.
/// </summary>
public static class BenchCommand
{
    public static int Run(string[] args)
    {
        var what = args.Length > 0 ? args[0] : "all";
        var modelsDirectory = Environment.GetEnvironmentVariable("QUANTSERVE_BENCH_MODELS") ?? Path.Combine("out", "models");
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# make bench ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)");
        report.AppendLine();

        int[] threadCounts = [1, 2];
        var bandwidth = threadCounts.ToDictionary(t => t, t => MemoryBandwidth.Measure(t));
        var peak = threadCounts.ToDictionary(t => t, t => FmaPeak.Measure(t));
        report.AppendLine("## Ceilings (measured in this run)");
        report.AppendLine();
        report.AppendLine("| threads | memory read bandwidth | fp32 FMA peak |");
        report.AppendLine("| --- | --- | --- |");
        foreach (var t in bandwidth.Keys)
            report.AppendLine(CultureInfo.InvariantCulture, $"| {t} | {bandwidth[t]:F1} GB/s | {peak[t]:F1} GFLOP/s |");
        report.AppendLine();
        Console.Out.Write(report.ToString());

        if (what is "all" or "kernels")
        {
            var section = new StringBuilder();
            section.AppendLine("## MatMul kernels (4096 x 4096 weights; GEMV m = 1, GEMM m = 512)");
            section.AppendLine();
            section.AppendLine("| kernel | threads | ms | rate | / ceiling |");
            section.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var r in MatMulBench.Run(threadCounts, t => bandwidth[t], t => peak[t]))
                section.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Threads} | {r.Milliseconds:F2} | {r.Rate:F1} {r.Unit} | {r.FractionOfCeiling:P0} |");
            section.AppendLine();
            Console.Out.Write(section.ToString());
            report.Append(section);
        }

        if (what is "all" or "model")
        {
            var section = new StringBuilder();
            var directory = ModelBench.EnsureModel(Path.Combine(modelsDirectory, "llama-3.2-1b-shape-bf16"), "llama-3.2-1b");
            using var model = LlamaModel.Load(directory);
            section.AppendLine("## Llama-3.2-1B shape, bf16, random weights");
            section.AppendLine();
            section.AppendLine(CultureInfo.InvariantCulture, $"Weights read per decoded token: {model.WeightBytesPerToken / 1e9:F3} GB.");
            section.AppendLine();
            section.AppendLine("| threads | decode tokens/s (batch 1) | weight GB/s | / bandwidth |");
            section.AppendLine("| --- | --- | --- | --- |");
            foreach (var t in bandwidth.Keys)
            {
                var d = ModelBench.Decode(model, t, tokens: 24, bandwidth[t]);
                section.AppendLine(CultureInfo.InvariantCulture, $"| {t} | {d.TokensPerSecond:F2} | {d.WeightGBps:F1} | {d.BandwidthRatio:P0} |");
            }
            section.AppendLine();
            section.AppendLine("| threads | prefill tokens | tokens/s | GFLOP/s | / FMA peak |");
            section.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var t in bandwidth.Keys)
            {
                var p = ModelBench.Prefill(model, t, 512, peak[t]);
                section.AppendLine(CultureInfo.InvariantCulture, $"| {t} | {p.PromptTokens} | {p.TokensPerSecond:F1} | {p.GFlops:F1} | {p.PeakRatio:P0} |");
            }
            section.AppendLine();
            Console.Out.Write(section.ToString());
            report.Append(section);
        }

        Directory.CreateDirectory(Path.Combine("out", "bench"));
        File.WriteAllText(Path.Combine("out", "bench", "results.md"), report.ToString());
        Console.Error.WriteLine("wrote out/bench/results.md");
        return 0;
    }
}
