using System.Text.Json;
using QuantServe.Engine.Calibration;
using QuantServe.Engine.Evaluation;

namespace QuantServe.Cli.Commands;

/// <summary>`quantserve evaluate`: perplexity of a text (a .txt, the `text` of a .jsonl or .parquet, or a cached hub dataset) over non-overlapping windows.</summary>
public sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";
    public string Summary => "perplexity of a text: --model-id DIR --dataset FILE.txt|.jsonl|.parquet|HUB_DATASET [--seqlen 2048] [--limit-windows N] [--json] [--dtype] [--quantize SCHEME] [--threads N]";

    public int Run(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string> { "json" });
        using var loaded = LoadedModel.Open(options);
        var dataset = options.RequiredString("dataset");
        int seqlen = options.Int("seqlen") ?? 2048;
        int? limit = options.Int("limit-windows");
        bool json = options.Flag("json");
        options.EnsureAllRead();
        if (seqlen < 2)
            throw new UsageException($"--seqlen must be at least 2, got {seqlen}");
        if (limit is <= 0)
            throw new UsageException($"--limit-windows must be positive, got {limit}");
        seqlen = Math.Min(seqlen, loaded.Model.Config.MaxPositionEmbeddings);

        var tokens = loaded.Tokenizer.Encode(CalibrationDataset.LoadText(dataset), addSpecialTokens: false);
        var evaluator = new PerplexityEvaluator(loaded.Model);
        var result = evaluator.Evaluate(tokens, seqlen, limit, json ? null : (w, nll) => Console.Error.WriteLine($"window {w + 1}: mean NLL {nll:F4}"));
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["perplexity"] = result.Perplexity,
                ["nll_mean"] = result.NllMean,
                ["tokens_scored"] = result.TokensScored,
                ["windows"] = result.Windows,
            }));
        }
        else
        {
            Console.Out.WriteLine($"perplexity {result.Perplexity:F4} (mean NLL {result.NllMean:F4} over {result.TokensScored} tokens in {result.Windows} windows of {seqlen})");
        }
        return 0;
    }
}
