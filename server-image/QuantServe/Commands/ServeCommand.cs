using QuantServe.Server;

namespace QuantServe.Cli.Commands;

/// <summary>
/// `quantserve serve`: TGI's launcher flags (each also read from the environment variable TGI reads,
/// e.g. MAX_CONCURRENT_REQUESTS), then the HTTP server until SIGTERM, which drains requests in flight.
/// </summary>
public sealed class ServeCommand : ICommand
{
    public string Name => "serve";
    public string Summary => "serve TGI's and OpenAI's HTTP API: --model-id DIR [--revision] [--dtype] [--quantize] [--num-shard N] [--sharded] [--hostname 0.0.0.0] [--port 3000] [--max-concurrent-requests 128] [--max-best-of 2] [--max-stop-sequences 4] [--max-top-n-tokens 5] [--max-input-tokens] [--max-total-tokens] [--max-batch-prefill-tokens] [--max-batch-total-tokens] [--max-client-batch-size 4] [--payload-limit 2000000] [--api-key] [--threads N]";

    public int Run(string[] args)
    {
        var o = new OptionReader(args, new HashSet<string> { "sharded" });
        var options = new ServerOptions
        {
            ModelId = o.RequiredString("model-id", "MODEL_ID"),
            Hostname = o.String("hostname", "HOSTNAME") ?? "0.0.0.0",
            Port = o.Int("port", "PORT") ?? 3000,
            MaxConcurrentRequests = o.Int("max-concurrent-requests", "MAX_CONCURRENT_REQUESTS") ?? 128,
            MaxBestOf = o.Int("max-best-of", "MAX_BEST_OF") ?? 2,
            MaxStopSequences = o.Int("max-stop-sequences", "MAX_STOP_SEQUENCES") ?? 4,
            MaxTopNTokens = o.Int("max-top-n-tokens", "MAX_TOP_N_TOKENS") ?? 5,
            MaxInputTokens = o.Int("max-input-tokens", "MAX_INPUT_TOKENS"),
            MaxTotalTokens = o.Int("max-total-tokens", "MAX_TOTAL_TOKENS"),
            MaxBatchPrefillTokens = o.Int("max-batch-prefill-tokens", "MAX_BATCH_PREFILL_TOKENS"),
            MaxBatchTotalTokens = o.Int("max-batch-total-tokens", "MAX_BATCH_TOTAL_TOKENS"),
            MaxClientBatchSize = o.Int("max-client-batch-size", "MAX_CLIENT_BATCH_SIZE") ?? 4,
            PayloadLimit = o.Int("payload-limit", "PAYLOAD_LIMIT") ?? 2_000_000,
            ApiKey = o.String("api-key", "API_KEY"),
        };
        bool sharded = o.Flag("sharded") || Environment.GetEnvironmentVariable("SHARDED") is "true" or "1";
        int shards = o.Int("num-shard", "NUM_SHARD") ?? 1;
        if (sharded && shards <= 1)
            throw new UsageException("`sharded` is true but `num_shard` <= 1: use --num-shard N with N > 1, or drop --sharded");
        if (shards < 1)
            throw new UsageException($"--num-shard must be at least 1, got {shards}");
        if (shards > 1)
            throw new UsageException($"--num-shard {shards} needs {shards} GPUs; this build serves on the CPU, where the model runs in one shard");

        using var loaded = LoadedModel.Open(o);
        o.EnsureAllRead();
        ServingModel serving;
        try
        {
            serving = new ServingModel(loaded.Model, loaded.Tokenizer, options);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        using (serving)
        {
            var app = InferenceServer.Build(serving);
            Console.Error.WriteLine($"quantserve: serving {options.ModelId} ({loaded.Model.Config.Architecture}, {loaded.Model.WeightBytes / 1e6:F1} MB of weights, backend cpu) on http://{options.Hostname}:{options.Port}");
            app.Run();
        }
        return 0;
    }
}
