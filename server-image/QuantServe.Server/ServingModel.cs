using QuantServe.Engine.Generation.Scheduling;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;
using QuantServe.Server.Metrics;
using QuantServe.Server.Validation;

namespace QuantServe.Server;

/// <summary>Everything the routes share: the model behind its batching loop, the tokenizer, validation, limits and metrics.</summary>
public sealed class ServingModel : IDisposable
{
    public ServingModel(LlamaModel model, Tokenizer tokenizer, ServerOptions options, string? modelSha = null, string backend = "cpu")
    {
        Options = options.Resolve(model.Config.MaxPositionEmbeddings);
        Model = model;
        Tokenizer = tokenizer;
        ModelSha = modelSha;
        Backend = backend;
        Metrics = new ServerMetrics();
        Scheduler = new ContinuousBatchScheduler(model, tokenizer, new SchedulerOptions
        {
            MaxBatchTotalTokens = Options.MaxBatchTotalTokens!.Value,
            MaxBatchPrefillTokens = Options.MaxBatchPrefillTokens!.Value,
            StepCompleted = (duration, size, _) => Metrics.Step(duration, size),
        });
        Metrics.Bind(() => Scheduler.Statistics, Options.MaxBatchTotalTokens!.Value, 16);
        Validator = new RequestValidator(tokenizer, Options);
        Gate = new ConcurrencyGate(Options.MaxConcurrentRequests);
        Chat = new ChatPrompts(tokenizer);
    }

    public ServerOptions Options { get; }
    public LlamaModel Model { get; }
    public Tokenizer Tokenizer { get; }
    public string? ModelSha { get; }
    public string Backend { get; }
    public ContinuousBatchScheduler Scheduler { get; }
    public RequestValidator Validator { get; }
    public ConcurrencyGate Gate { get; }
    public ServerMetrics Metrics { get; }
    public ChatPrompts Chat { get; }

    public void Dispose() => Scheduler.Dispose();
}
