using QuantServe.Engine.Hub;

namespace QuantServe.Cli.Commands;

/// <summary>
/// `quantserve download-weights MODEL_ID`: fills the Hugging Face cache with what `serve` needs and prints the
/// snapshot directory on stdout; progress goes to stderr. Meant for init containers, like TGI's command of the same name.
/// </summary>
public sealed class DownloadWeightsCommand : ICommand
{
    public string Name => "download-weights";
    public string Summary => "download config, tokenizer and safetensors from the Hugging Face hub into its cache: MODEL_ID [--revision REV] [--huggingface-hub-cache DIR] (env HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE)";

    public int Run(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string>());
        string? flag = options.String("model-id");
        string revision = options.String("revision", "REVISION") ?? "main";
        string? cacheDirectory = options.String("huggingface-hub-cache", "HUGGINGFACE_HUB_CACHE");
        options.EnsureAllRead();

        // the argument or --model-id; MODEL_ID from the environment (as `serve` reads it) only when neither is given
        string modelId = options.Positional.Count switch
        {
            0 => flag ?? (Environment.GetEnvironmentVariable("MODEL_ID") is { Length: > 0 } env ? env : null)
                ?? throw new UsageException("give the MODEL_ID (org/name, or a local directory)"),
            1 when flag is null || flag == options.Positional[0] => options.Positional[0],
            1 => throw new UsageException($"MODEL_ID is given twice: '{options.Positional[0]}' and --model-id '{flag}'"),
            _ => throw new UsageException($"expected one MODEL_ID, got {options.Positional.Count}: {string.Join(' ', options.Positional)}"),
        };

        HubOptions hub;
        try
        {
            hub = HubOptions.FromEnvironment();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        if (cacheDirectory is not null)
            hub = hub with { CacheDirectory = cacheDirectory };

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // stop cleanly: the partial file stays as blobs/{etag}.incomplete and the next run resumes it
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var downloader = new ModelDownloader(hub);
            string snapshot = downloader.DownloadAsync(modelId, revision, cancel.Token).GetAwaiter().GetResult();
            Console.Out.WriteLine(snapshot);
            return 0;
        }
        catch (HubException e)
        {
            Console.Error.WriteLine($"quantserve {Name}: error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"quantserve {Name}: interrupted; run it again to resume");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
