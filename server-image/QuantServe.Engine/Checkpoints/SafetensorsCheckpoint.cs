namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// All safetensors weights of a checkpoint directory, memory-mapped, looked up by tensor name.
/// <para>
/// With <c>model.safetensors.index.json</c> the index decides: its weight_map names every tensor and
/// its shard; tensors a shard holds beyond the index are not exposed, and *.safetensors files the
/// index does not mention are not opened (as Hugging Face transformers does). Without an index every
/// <c>*.safetensors</c> file of the directory is opened, in ordinal name order, and a tensor may be
/// defined only once.
/// </para>
/// Views returned by <see cref="Get"/> are valid until <see cref="Dispose"/>.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, TensorInfo Info)> _tensors;
    private readonly string[] _sortedNames;
    private bool _disposed;

    private SafetensorsCheckpoint(
        string directoryPath,
        string? indexPath,
        List<SafetensorsFile> files,
        Dictionary<string, (SafetensorsFile File, TensorInfo Info)> tensors)
    {
        DirectoryPath = directoryPath;
        IndexPath = indexPath;
        _files = files;
        _tensors = tensors;
        _sortedNames = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The checkpoint directory's full path.</summary>
    public string DirectoryPath { get; }

    /// <summary>The index file used, or null when the directory has none.</summary>
    public string? IndexPath { get; }

    /// <summary>The safetensors files opened, in ordinal name order.</summary>
    public IReadOnlyList<string> FilePaths => _files.Select(file => file.Path).ToList();

    /// <summary>Every tensor name, in ordinal order.</summary>
    public IEnumerable<string> TensorNames => _sortedNames;

    /// <summary>The <c>__metadata__</c> of the first file (in ordinal name order); Hugging Face writers give every shard the same.</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        _files.Count > 0 ? _files[0].Metadata : new Dictionary<string, string>();

    /// <summary>Opens the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="SafetensorsException">
    /// The directory is missing or holds no safetensors; the index is invalid or names a missing shard
    /// or a tensor its shard lacks; a file is invalid; a tensor is defined in two files.
    /// </exception>
    public static SafetensorsCheckpoint Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(fullPath))
        {
            string what = File.Exists(fullPath) ? "is a file, not a directory" : "does not exist";
            throw new SafetensorsException(
                $"{fullPath}: the checkpoint directory {what}. Pass the directory that holds the *.safetensors files.");
        }

        string indexPath = Path.Combine(fullPath, SafetensorsIndex.FileName);
        return File.Exists(indexPath) ? OpenIndexed(fullPath, indexPath) : OpenAll(fullPath);
    }

    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.ContainsKey(name);
    }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="SafetensorsException">No such tensor; the message names the closest ones.</exception>
    public TensorView Get(string name)
    {
        if (TryGet(name, out TensorView view))
        {
            return view;
        }

        throw new SafetensorsException(
            $"{DirectoryPath}: the checkpoint has no tensor '{name}'. {NameSuggestions.Describe(name, _sortedNames)} " +
            "Check the model architecture matches the checkpoint.");
    }

    public unsafe bool TryGet(string name, out TensorView view)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_tensors.TryGetValue(name, out (SafetensorsFile File, TensorInfo Info) entry))
        {
            view = new TensorView(entry.Info, entry.File.Path, entry.File.GetPointer(entry.Info));
            return true;
        }

        view = default;
        return false;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (SafetensorsFile file in _files)
        {
            file.Dispose();
        }
    }

    public override string ToString() => $"{DirectoryPath} ({_files.Count} files, {_tensors.Count} tensors)";

    private static SafetensorsCheckpoint OpenIndexed(string directory, string indexPath)
    {
        SafetensorsIndex index = SafetensorsIndex.Read(indexPath);
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var tensors = new Dictionary<string, (SafetensorsFile, TensorInfo)>(StringComparer.Ordinal);
            foreach ((string tensor, string shard) in index.WeightMap)
            {
                if (!files.TryGetValue(shard, out SafetensorsFile? file))
                {
                    string shardPath = Path.GetFullPath(Path.Combine(directory, shard));
                    if (Path.GetDirectoryName(shardPath) != directory)
                    {
                        throw new SafetensorsException(
                            $"{indexPath}: tensor '{tensor}' is mapped to '{shard}', which is not a file name in {directory}. " +
                            "Shards must sit next to the index.");
                    }

                    if (!File.Exists(shardPath))
                    {
                        throw new SafetensorsException(
                            $"{indexPath}: tensor '{tensor}' is mapped to shard '{shard}', but {shardPath} does not exist " +
                            $"(the directory holds {DescribeContents(directory)}). The download is probably incomplete: download the missing shard.");
                    }

                    file = SafetensorsFile.Open(shardPath);
                    files.Add(shard, file);
                }

                if (!file.Tensors.TryGetValue(tensor, out TensorInfo? info))
                {
                    throw new SafetensorsException(
                        $"{indexPath}: tensor '{tensor}' is mapped to shard '{shard}', but {file.Path} has no such tensor. " +
                        $"{NameSuggestions.Describe(tensor, file.Tensors.Keys)} The index and the shards do not belong together: download the checkpoint again.");
                }

                tensors.Add(tensor, (file, info));
            }

            List<SafetensorsFile> ordered = files.Values.OrderBy(file => file.Path, StringComparer.Ordinal).ToList();
            if (ordered.Count == 0)
            {
                throw new SafetensorsException(
                    $"{indexPath}: the index's weight_map is empty, so the checkpoint has no tensors. Download the checkpoint again.");
            }

            return new SafetensorsCheckpoint(directory, indexPath, ordered, tensors);
        }
        catch
        {
            foreach (SafetensorsFile file in files.Values)
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static SafetensorsCheckpoint OpenAll(string directory)
    {
        string[] paths = Directory.GetFiles(directory, "*.safetensors", SearchOption.TopDirectoryOnly)
            .Where(path => path.EndsWith(".safetensors", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (paths.Length == 0)
        {
            throw new SafetensorsException(
                $"{directory}: no *.safetensors files and no {SafetensorsIndex.FileName}; the directory holds {DescribeContents(directory)}. " +
                ForeignWeightsHint(directory) +
                "Point QuantServe at a Hugging Face checkpoint directory with safetensors weights.");
        }

        var files = new List<SafetensorsFile>();
        try
        {
            var tensors = new Dictionary<string, (SafetensorsFile File, TensorInfo Info)>(StringComparer.Ordinal);
            foreach (string path in paths)
            {
                SafetensorsFile file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (TensorInfo info in file.Tensors.Values)
                {
                    if (tensors.TryGetValue(info.Name, out (SafetensorsFile File, TensorInfo Info) earlier))
                    {
                        throw new SafetensorsException(
                            $"{directory}: tensor '{info.Name}' is defined in both {earlier.File.Path} and {file.Path}. " +
                            $"Remove the file that does not belong to this checkpoint, or add a {SafetensorsIndex.FileName} that says which to use.");
                    }

                    tensors.Add(info.Name, (file, info));
                }
            }

            return new SafetensorsCheckpoint(directory, null, files, tensors);
        }
        catch
        {
            foreach (SafetensorsFile file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static string DescribeContents(string directory)
    {
        const int Shown = 20;
        string[] entries = Directory.EnumerateFileSystemEntries(directory)
            .Select(entry => Directory.Exists(entry) ? Path.GetFileName(entry) + "/" : Path.GetFileName(entry))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (entries.Length == 0)
        {
            return "nothing (it is empty)";
        }

        string shown = string.Join(", ", entries.Take(Shown));
        return entries.Length > Shown ? $"{shown} and {entries.Length - Shown} more" : shown;
    }

    private static string ForeignWeightsHint(string directory)
    {
        bool Has(string pattern) => Directory.EnumerateFiles(directory, pattern).Any();
        if (Has("*.bin") || Has("*.pt") || Has("*.pth"))
        {
            return "It has PyTorch pickle weights (*.bin/*.pt), which QuantServe does not load: convert them to safetensors first. ";
        }

        if (Has("*.gguf"))
        {
            return "It has GGUF weights, which QuantServe does not load. ";
        }

        return Has("*.safetensors.tmp") ? "It has *.safetensors.tmp files, left by an interrupted write. " : string.Empty;
    }
}
