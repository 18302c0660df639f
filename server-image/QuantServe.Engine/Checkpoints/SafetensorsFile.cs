using System.IO.MemoryMappedFiles;

namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// One safetensors file, memory-mapped read-only: opening reads and validates only the header, and
/// tensor bytes are paged in by the OS when first touched (zero-copy). Pointers and spans handed out
/// are valid until <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SafetensorsHeader _header;
    private byte* _base;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* start, SafetensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = start;
        _header = header;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length => _header.DataStart + _header.DataBytes;

    /// <summary>The tensors in header order, with absolute offsets.</summary>
    public IReadOnlyDictionary<string, TensorInfo> Tensors => _header.Tensors;

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Maps <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="SafetensorsException">The file is missing, unreadable or not a valid safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SafetensorsException($"{fullPath}: the file does not exist. Check the path or download the checkpoint again.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsException($"{fullPath}: the file cannot be opened for reading ({e.Message}).", e);
        }

        FileStream? ownedStream = stream;
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* start = null;
        try
        {
            long length = ownedStream.Length;
            if (length < SafetensorsHeader.LengthPrefixBytes)
            {
                // Too short to map meaningfully (and an empty file cannot be mapped at all).
                SafetensorsHeader.ReadHeaderBytes(ReadOnlySpan<byte>.Empty, length, fullPath);
            }

            map = MemoryMappedFile.CreateFromFile(ownedStream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            ownedStream = null; // the map owns it now
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            byte* fileStart = start + view.PointerOffset;

            long headerBytes = SafetensorsHeader.ReadHeaderBytes(
                new ReadOnlySpan<byte>(fileStart, SafetensorsHeader.LengthPrefixBytes), length, fullPath);
            var headerSpan = new ReadOnlySpan<byte>(fileStart, checked((int)(SafetensorsHeader.LengthPrefixBytes + headerBytes)));
            SafetensorsHeader header = SafetensorsHeader.Parse(headerSpan, length, fullPath);
            return new SafetensorsFile(fullPath, map, view, fileStart, header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Release(view, start, map, ownedStream);
            throw new SafetensorsException($"{fullPath}: the file cannot be mapped into memory ({e.Message}).", e);
        }
        catch
        {
            Release(view, start, map, ownedStream);
            throw;
        }
    }

    /// <summary>
    /// The first byte of <paramref name="tensor"/>, which must be one of this file's <see cref="Tensors"/>
    /// (that is what makes the pointer safe to read for <see cref="TensorInfo.ByteLength"/> bytes).
    /// </summary>
    public byte* GetPointer(TensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_base is null, this);
        if (!_header.Tensors.TryGetValue(tensor.Name, out TensorInfo? own)
            || own.DataOffset != tensor.DataOffset
            || own.ByteLength != tensor.ByteLength)
        {
            throw new ArgumentException($"{Path}: tensor {tensor} does not belong to this file", nameof(tensor));
        }

        return _base + own.DataOffset;
    }

    /// <summary>The bytes of tensor <paramref name="name"/> (at most 2 GiB; larger ones through <see cref="GetPointer"/>).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => GetView(name).Bytes;

    /// <summary>A view of tensor <paramref name="name"/>.</summary>
    /// <exception cref="SafetensorsException">The file has no such tensor.</exception>
    public TensorView GetView(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_base is null, this);
        if (!_header.Tensors.TryGetValue(name, out TensorInfo? tensor))
        {
            throw new SafetensorsException(
                $"{Path}: the file has no tensor '{name}'. {NameSuggestions.Describe(name, _header.Tensors.Keys)}");
        }

        return new TensorView(tensor, Path, _base + tensor.DataOffset);
    }

    public void Dispose()
    {
        if (_base is null)
        {
            return;
        }

        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    public override string ToString() => $"{Path} ({Tensors.Count} tensors)";

    private static void Release(MemoryMappedViewAccessor? view, byte* start, MemoryMappedFile? map, FileStream? stream)
    {
        if (view is not null)
        {
            if (start is not null)
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view.Dispose();
        }

        map?.Dispose();
        stream?.Dispose();
    }
}
