using System.Globalization;
using System.Text.Json;
using QuantServe.Engine.Calibration;
using QuantServe.Engine.Hub;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Cli.Commands;

/// <summary>
/// `quantserve quantize MODEL_ID OUTPUT_DIR`: GPTQ (or RTN) quantization of an fp16/bf16/fp32 Llama-family
/// model into a GPTQ checkpoint, TGI's `text-generation-server quantize` with what it hard-codes made options
/// and a seed. Progress: a bar on a terminal; with --json-output one JSON line per layer and a final totals
/// line on stdout (for Kubernetes Job logs).
/// </summary>
public sealed class QuantizeCommand : ICommand
{
    /// <summary>TGI calibrates on wikitext-2's train split; here it must already be in the hub cache.</summary>
    public const string DefaultDataset = "Salesforce/wikitext:wikitext-2-raw-v1";

    public string Name => "quantize";
    public string Summary => "GPTQ-quantize a model into a GPTQ checkpoint: MODEL_ID OUTPUT_DIR [--revision REV] [--bits 2|3|4|8] [--groupsize 128] [--act-order] [--sym|--no-sym] [--percdamp 0.01] [--nsamples 128] [--seqlen 2048] [--dataset FILE.txt|.jsonl|.parquet|org/name[:subset]] [--seed 0] [--method gptq|rtn] [--json-output] [--threads N]";

    public int Run(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string> { "act-order", "sym", "no-sym", "json-output" });
        string revision = options.String("revision", "REVISION") ?? "main";
        int bits = options.Int("bits") ?? 4;
        int groupSize = options.Int("groupsize") ?? 128;
        bool actOrder = options.Flag("act-order");
        bool sym = options.Flag("sym"), noSym = options.Flag("no-sym");
        double percDamp = Double(options, "percdamp") ?? 0.01;
        int nsamples = options.Int("nsamples") ?? 128;
        int seqlen = options.Int("seqlen") ?? 2048;
        string dataset = options.String("dataset") ?? DefaultDataset;
        int seed = options.Int("seed") ?? 0;
        string methodName = options.String("method") ?? "gptq";
        bool json = options.Flag("json-output");
        if (options.Int("threads") is int threads)
            KernelThreads.Count = threads > 0 ? threads : throw new UsageException($"--threads must be positive, got {threads}");
        options.EnsureAllRead();

        if (options.Positional.Count != 2)
            throw new UsageException($"expected MODEL_ID and OUTPUT_DIR, got {options.Positional.Count} argument(s){(options.Positional.Count > 0 ? ": " + string.Join(' ', options.Positional) : "")}");
        if (sym && noSym)
            throw new UsageException("--sym and --no-sym contradict each other");
        var method = methodName.ToLowerInvariant() switch
        {
            "gptq" => QuantizationMethod.Gptq,
            "rtn" => QuantizationMethod.Rtn,
            _ => throw new UsageException($"--method '{methodName}' is unknown; use gptq or rtn"),
        };
        if (nsamples <= 0)
            throw new UsageException($"--nsamples must be positive, got {nsamples}");
        if (seqlen <= 0)
            throw new UsageException($"--seqlen must be positive, got {seqlen}");
        var gptq = new GptqOptions { Bits = bits, GroupSize = groupSize, ActOrder = actOrder, Sym = !noSym, PercDamp = percDamp };
        try
        {
            gptq.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        string modelId = options.Positional[0], output = options.Positional[1];
        string directory = Directory.Exists(modelId) ? modelId : Download(modelId, revision);
        var config = ModelConfig.Load(directory);
        if (seqlen > config.MaxPositionEmbeddings)
        {
            Status(json, $"--seqlen {seqlen} is capped at the model's max_position_embeddings {config.MaxPositionEmbeddings}");
            seqlen = config.MaxPositionEmbeddings;
        }

        GptqModelQuantizer.Preflight(directory, output, gptq);
        int[][]? samples = null;
        if (method == QuantizationMethod.Gptq)
        {
            Status(json, $"reading calibration data from {dataset}");
            var text = CalibrationDataset.LoadText(dataset);
            var tokens = Tokenizer.Load(directory).Encode(text, addSpecialTokens: false);
            samples = CalibrationSampler.Sample(tokens, nsamples, seqlen, seed);
            Status(json, $"{nsamples} samples of {seqlen} tokens (seed {seed}) from {tokens.Length} tokens");
        }

        var bar = !json && !Console.IsErrorRedirected;
        var summary = GptqModelQuantizer.Quantize(directory, output, gptq, method, samples, report =>
        {
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["block"] = report.Block,
                    ["layer"] = report.Layer,
                    ["index"] = report.Index,
                    ["total"] = report.Total,
                    ["seconds"] = Math.Round(report.Seconds, 3),
                    ["error"] = report.Error,
                }));
                Console.Out.Flush();
            }
            else if (bar)
            {
                const int width = 30;
                int done = width * report.Index / report.Total;
                Console.Error.Write($"\r[{new string('#', done)}{new string('.', width - done)}] {report.Index}/{report.Total} block {report.Block} {report.Layer,-16} error {report.Error:G4}   ");
                if (report.Index == report.Total)
                    Console.Error.WriteLine();
            }
            else
            {
                Console.Error.WriteLine($"block {report.Block} {report.Layer}: {report.Seconds:F2} s, error {report.Error:G6}");
            }
        });

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["done"] = true,
                ["output"] = summary.OutputDirectory,
                ["method"] = methodName.ToLowerInvariant(),
                ["layers"] = summary.Layers,
                ["seconds"] = Math.Round(summary.Seconds, 3),
                ["error"] = summary.TotalError,
                ["calibration_tokens"] = summary.CalibrationTokens,
                ["peak_memory_bytes"] = summary.PeakWorkingSetBytes,
            }));
        }
        else
        {
            Console.Out.WriteLine($"wrote {summary.OutputDirectory}: {summary.Layers} layers, {bits}-bit, group {groupSize}, {(actOrder ? "act-order, " : "")}{(gptq.Sym ? "sym" : "asym")}, {methodName.ToLowerInvariant()}, {summary.Seconds:F1} s, peak memory {summary.PeakWorkingSetBytes / (1024.0 * 1024 * 1024):F2} GiB");
        }
        return 0;
    }

    private static void Status(bool json, string message)
    {
        if (!json)
            Console.Error.WriteLine(message);
    }

    private static double? Double(OptionReader options, string name) =>
        options.String(name) is { } s
            ? double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--{name} must be a number, got '{s}'")
            : null;

    private static string Download(string modelId, string revision)
    {
        using var downloader = new ModelDownloader();
        return downloader.DownloadAsync(modelId, revision).GetAwaiter().GetResult();
    }
}
