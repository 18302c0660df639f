using QuantServe.Engine.Hub;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tokenization;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Cli;

/// <summary>A model directory opened for a command: weights plus tokenizer, with the common options applied.</summary>
public sealed class LoadedModel : IDisposable
{
    private LoadedModel(LlamaModel model, Tokenizer tokenizer)
    {
        Model = model;
        Tokenizer = tokenizer;
    }

    public LlamaModel Model { get; }
    public Tokenizer Tokenizer { get; }

    /// <summary>Reads --model-id (env MODEL_ID; a directory or a hub id), --revision, --quantize, --dtype and --threads.</summary>
    public static LoadedModel Open(OptionReader options)
    {
        var modelId = options.RequiredString("model-id", "MODEL_ID");
        var dtype = options.String("dtype", "DTYPE") is { } d ? ParseDType(d) : (WeightDType?)null;
        var quantize = options.String("quantize", "QUANTIZE");
        if (options.Int("threads") is int threads)
            KernelThreads.Count = threads > 0 ? threads : throw new UsageException($"--threads must be positive, got {threads}");
        var revision = options.String("revision", "REVISION") ?? "main";
        // A local directory is used as is; anything else is a hub id, fetched into (or found in) the HF cache.
        var directory = Directory.Exists(modelId) ? modelId : DownloadAsync(modelId, revision).GetAwaiter().GetResult();
        LlamaModel model;
        try
        {
            model = LlamaModel.Load(directory, dtype, tensors => WeightsLoaderSelector.Select(tensors, quantize, dtype));
        }
        catch (ArgumentException e) when (e.Message.StartsWith("--quantize", StringComparison.Ordinal) || e.Message == QuantizationSchemes.DTypeConflictMessage)
        {
            throw new UsageException(e.Message);
        }
        try
        {
            return new LoadedModel(model, Tokenizer.Load(directory));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static async Task<string> DownloadAsync(string modelId, string revision)
    {
        using var downloader = new ModelDownloader();
        return await downloader.DownloadAsync(modelId, revision).ConfigureAwait(false);
    }

    private static WeightDType ParseDType(string name)
    {
        try
        {
            return WeightDTypes.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--dtype: " + e.Message);
        }
    }

    public void Dispose() => Model.Dispose();
}
