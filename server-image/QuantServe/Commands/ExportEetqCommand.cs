using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Quantization;

namespace QuantServe.Cli.Commands;

/// <summary>
/// `quantserve export-eetq`: writes an EETQ (W8A16 per-channel int8) checkpoint that `--quantize eetq`
/// then loads without quantizing again (TGI cannot load pre-quantized EETQ weights: its issue 1805).
/// The checkpoint is written beside the output and renamed when complete.
/// </summary>
public sealed class ExportEetqCommand : ICommand
{
    public string Name => "export-eetq";
    public string Summary => "save an EETQ int8 checkpoint: --model-id DIR --output DIR";

    public int Run(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string>());
        var source = options.RequiredString("model-id", "MODEL_ID");
        var output = Path.GetFullPath(options.RequiredString("output"));
        options.EnsureAllRead();
        if (!Directory.Exists(source))
            throw new UsageException($"--model-id '{source}' is not a local model directory");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new UsageException($"--output '{output}' exists and is not empty; choose a new directory");

        var partial = output + ".partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        try
        {
            using var checkpoint = SafetensorsCheckpoint.Open(source);
            var quantized = EetqLoader.Save(checkpoint, partial);
            if (Directory.Exists(output))
                Directory.Delete(output);
            Directory.Move(partial, output);
            Console.Out.WriteLine($"wrote an EETQ checkpoint of {quantized.Count} projections to {output}");
            return 0;
        }
        catch
        {
            if (Directory.Exists(partial))
                Directory.Delete(partial, recursive: true);
            throw;
        }
    }
}
