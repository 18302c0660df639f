using System.Globalization;
using System.Text;
using QuantServe.Bench.Ceilings;
using QuantServe.Bench.Kernels;
using QuantServe.Bench.Model;
using QuantServe.Bench.Quantized;
using QuantServe.Bench.Serving;
using QuantServe.Engine.Models;
using QuantServe.Kernels.Cpu;

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
        string[] sections = ["all", "kernels", "model", "quantized", "gemv", "serving"];
        if (!sections.Contains(what))
        {
            Console.Error.WriteLine($"unknown benchmark section '{what}'; choose one of: {string.Join(", ", sections)}");
            return 2;
        }

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

        if (what is "all" or "quantized" or "gemv")
        {
            var section = new StringBuilder();
            section.AppendLine("## Quantized GEMV kernels (4096 x 4096, m = 1; GB/s of packed weight bytes)");
            section.AppendLine();
            section.AppendLine("| scheme | threads | ms | MiB read | GB/s | / bandwidth | GB/s with weights in cache |");
            section.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var r in QuantizedGemvBench.Run(threadCounts, t => bandwidth[t]))
                section.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scheme} | {r.Threads} | {r.Milliseconds:F3} | {r.WeightBytes / 1048576.0:F2} | {r.GBs:F2} | {r.FractionOfBandwidth:P0} | {r.CachedGBs:F2} |");
            section.AppendLine();
            section.AppendLine("Pre-quantized formats (weights streamed from DRAM through 1 GiB of copies; read ceiling measured by the benchmark itself):");
            section.AppendLine();
            section.AppendLine("| format | threads | ms | GB/s of checkpoint bytes | / read ceiling | GB/s with weights in cache |");
            section.AppendLine("| --- | --- | --- | --- | --- | --- |");
            var timings = GptqGemvBenchmark.Run(what == "gemv" ? Console.Error : TextWriter.Null);
            var gptq = timings.Where(r => r.Streamed).ToList();
            foreach (var r in gptq.Where(r => r.Rows == 1))
            {
                var cached = timings.Single(c => !c.Streamed && c.Format == r.Format && c.Threads == r.Threads);
                section.AppendLine(CultureInfo.InvariantCulture, $"| {r.Format} | {r.Threads} | {r.Milliseconds:F3} | {r.CheckpointGBps:F2} | {r.CheckpointGBps / r.ReadGBps:P0} | {cached.CheckpointGBps:F2} |");
            }
            section.AppendLine();
            section.AppendLine("Decoding m sequences at once (m activation rows per call, streamed as above): time per call and its ratio to m = 1 in the same run (1.00: the extra rows cost nothing):");
            section.AppendLine();
            section.AppendLine("| format | threads | ms at m = 1 | ms at m = 2 | x m = 1 | ms at m = 3 | x m = 1 |");
            section.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var one in gptq.Where(r => r.Rows == 1))
            {
                var two = gptq.Single(r => r.Format == one.Format && r.Threads == one.Threads && r.Rows == 2);
                var three = gptq.Single(r => r.Format == one.Format && r.Threads == one.Threads && r.Rows == 3);
                section.AppendLine(CultureInfo.InvariantCulture,
                    $"| {one.Format} | {one.Threads} | {one.Milliseconds:F3} | {two.Milliseconds:F3} | {two.Milliseconds / one.Milliseconds:F2} | {three.Milliseconds:F3} | {three.Milliseconds / one.Milliseconds:F2} |");
            }
            section.AppendLine();
            Console.Out.Write(section.ToString());
            report.Append(section);
            section.Clear();
        }

        if (what is "all" or "quantized")
        {
            var section = new StringBuilder();
            var directory = ModelBench.EnsureModel(Path.Combine(modelsDirectory, "llama-3.2-1b-shape-bf16"), "llama-3.2-1b");
            section.AppendLine("Decode at batch 1 on the Llama-3.2-1B shape (bf16 checkpoint quantized at load):");
            section.AppendLine();
            section.AppendLine("| scheme | threads | weight GB/token | tokens/s | / bandwidth | x vs bf16 |");
            section.AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var r in QuantizedModelBench.Run(directory, threadCounts, t => bandwidth[t], tokens: 8))
                section.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scheme} | {r.Threads} | {r.WeightBytesPerToken / 1e9:F3} | {r.TokensPerSecond:F2} | {r.BandwidthRatio:P0} | {r.SpeedupOverDense:F2} |");
            section.AppendLine();
            var prequantized = Path.Combine(modelsDirectory, "llama-3.2-1b-shape-prequantized");
            section.AppendLine("Decode at batch 1 on the Llama-3.2-1B shape, pre-quantized checkpoints (random codes, every projection quantized, lm_head bf16), loaded as the server loads them:");
            section.AppendLine();
            section.AppendLine("| format | threads | weight GB/token | tokens/s | / bandwidth | x vs bf16 |");
            section.AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var r in PrequantizedModelBench.Run(directory, prequantized, threadCounts, t => bandwidth[t], tokens: 8))
                section.AppendLine(CultureInfo.InvariantCulture, $"| {r.Format} | {r.Threads} | {r.WeightBytesPerToken / 1e9:F3} | {r.TokensPerSecond:F2} | {r.BandwidthRatio:P0} | {r.SpeedupOverBf16:F2} |");
            section.AppendLine();
            Console.Out.Write(section.ToString());
            report.Append(section);
        }

        if (what is "all" or "serving")
        {
            var section = new StringBuilder();
            var shapes = new List<(string Name, string Directory, int MaxNew, int PerClient)>
            {
                ("small random model (4 layers, hidden 256, f32)", ModelBench.EnsureModel(Path.Combine(modelsDirectory, "small-f32"), "small"), 64, 4),
                ("Llama-3.2-1B shape, bf16", ModelBench.EnsureModel(Path.Combine(modelsDirectory, "llama-3.2-1b-shape-bf16"), "llama-3.2-1b"), 32, 1),
            };
            if (File.Exists(Path.Combine("models", "bundled-kjv-llama", "config.json")))
                shapes.Insert(0, ("bundled model (models/bundled-kjv-llama)", Path.Combine("models", "bundled-kjv-llama"), 64, 4));
            foreach (var (name, directory, maxNew, perClient) in shapes)
            {
                section.AppendLine(CultureInfo.InvariantCulture, $"## Serving on loopback: {name}, {maxNew} new tokens per request, 16-token prompt, {Environment.ProcessorCount} threads; each client sends {perClient} request(s) in turn");
                section.AppendLine();
                section.AppendLine("| concurrency | requests | generated tokens/s | x vs 1 | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |");
                section.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
                KernelThreads.Count = Environment.ProcessorCount;
                var rows = LoadGenerator.RunAsync(directory, [1, 4, 16, 64], 16, maxNew, perClient).GetAwaiter().GetResult();
                foreach (var r in rows)
                    section.AppendLine(CultureInfo.InvariantCulture, $"| {r.Concurrency} | {r.Requests} | {r.TokensPerSecond:F1} | {r.TokensPerSecond / rows[0].TokensPerSecond:F1} | {r.TimeToFirstTokenP50:F0} | {r.TimeToFirstTokenP99:F0} | {r.InterTokenP50:F0} | {r.InterTokenP99:F0} |");
                section.AppendLine();
            }
            Console.Out.Write(section.ToString());
            report.Append(section);
        }

        Directory.CreateDirectory(Path.Combine("out", "bench"));
        File.WriteAllText(Path.Combine("out", "bench", "results.md"), report.ToString());
        Console.Error.WriteLine("wrote out/bench/results.md");
        return 0;
    }
}
