using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Hub;

/// <summary>
/// Picks what serving needs from a repository's file list: configs, tokenizer, quantization config, safetensors
/// weights. Everything else (PyTorch pickles, ONNX/GGUF exports, READMEs, images, subfolders) stays on the hub.
/// </summary>
internal static class ServingFileSelector
{
    public const string ConfigFile = "config.json";

    /// <summary>Downloaded when the repository has them; only config.json is required.</summary>
    public static readonly IReadOnlyList<string> MetadataFiles =
    [
        ConfigFile,
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "quantize_config.json",
        "quant_config.json",
    ];

    private static readonly string[] PickleExtensions = [".bin", ".pt", ".pth", ".ckpt"];

    /// <summary>The metadata files to download, in <see cref="MetadataFiles"/> order.</summary>
    public static IReadOnlyList<string> SelectMetadata(IReadOnlyList<string> files, string repoId, string revision)
    {
        if (!files.Contains(ConfigFile, StringComparer.Ordinal))
        {
            throw new HubException(HubErrorKind.NotFound,
                $"{repoId} at revision '{revision}' has no {ConfigFile}, so it is not a transformers model QuantServe can serve (files: {Describe(files)})");
        }

        return MetadataFiles.Where(name => files.Contains(name, StringComparer.Ordinal)).ToList();
    }

    /// <summary>True when the weights are sharded and the index says which shards to fetch.</summary>
    public static bool HasIndex(IReadOnlyList<string> files) => files.Contains(SafetensorsIndex.FileName, StringComparer.Ordinal);

    /// <summary>
    /// The safetensors files to download: the shards the index names (so stray copies such as Mistral's
    /// consolidated.safetensors are skipped), else every top-level *.safetensors.
    /// </summary>
    public static IReadOnlyList<string> SelectWeights(IReadOnlyList<string> files, SafetensorsIndex? index, string repoId, string revision)
    {
        if (index is not null)
        {
            var shards = index.WeightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (shards.Count == 0)
                throw new HubException(HubErrorKind.InvalidResponse, $"{repoId}: {SafetensorsIndex.FileName} at revision '{revision}' maps no tensors to shard files");
            foreach (string shard in shards)
            {
                HubIdentifiers.ValidateFileName(shard);
                if (!files.Contains(shard, StringComparer.Ordinal))
                {
                    throw new HubException(HubErrorKind.NotFound,
                        $"{repoId}: {SafetensorsIndex.FileName} at revision '{revision}' names the shard '{shard}', which the repository does not have");
                }
            }

            return shards;
        }

        var weights = files.Where(IsTopLevelSafetensors).Order(StringComparer.Ordinal).ToList();
        if (weights.Count > 0)
            return weights;

        var pickles = files.Where(IsPickleWeights).ToList();
        if (pickles.Count > 0)
        {
            throw new HubException(HubErrorKind.NoSafetensors,
                $"{repoId} at revision '{revision}' has only PyTorch pickle weights ({Describe(pickles)}) and no *.safetensors. " +
                "QuantServe loads safetensors only (pickles can run code when loaded): convert the checkpoint first " +
                "(for example with the safetensors 'convert' Space, or transformers: model.save_pretrained(dir, safe_serialization=True)) " +
                "and serve the converted repository or directory.");
        }

        throw new HubException(HubErrorKind.NoSafetensors,
            $"{repoId} at revision '{revision}' has no weights: no top-level *.safetensors (files: {Describe(files)})");
    }

    private static bool IsTopLevelSafetensors(string name) =>
        !name.Contains('/') && name.EndsWith(".safetensors", StringComparison.Ordinal);

    // TGI's rule for which .bin files are weights: not training_args.bin and the like
    private static bool IsPickleWeights(string name) =>
        PickleExtensions.Any(extension => name.EndsWith(extension, StringComparison.Ordinal))
        && !name.Contains("training", StringComparison.Ordinal) && !name.Contains("args", StringComparison.Ordinal);

    private static string Describe(IReadOnlyList<string> files) =>
        files.Count == 0 ? "none" : files.Count <= 8 ? string.Join(", ", files) : string.Join(", ", files.Take(8)) + $" and {files.Count - 8} more";
}
