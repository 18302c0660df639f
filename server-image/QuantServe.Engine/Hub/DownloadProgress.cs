using System.Globalization;

namespace QuantServe.Engine.Hub;

/// <summary>Progress of one file as plain lines (init containers log to files, not terminals): start, every 10 %, done.</summary>
internal sealed class DownloadProgress
{
    private readonly TextWriter? _writer;
    private readonly string _name;
    private readonly long _size;
    private int _lastTenth;

    public DownloadProgress(TextWriter? writer, string name, long size)
    {
        _writer = writer;
        _name = name;
        _size = size;
    }

    public void Start(long resumeFrom)
    {
        _lastTenth = Tenths(resumeFrom);
        Write(resumeFrom > 0
            ? $"downloading {_name} ({FormatSize(_size)}), resuming at {FormatSize(resumeFrom)}"
            : $"downloading {_name} ({FormatSize(_size)})");
    }

    public void Report(long done)
    {
        int tenth = Tenths(done);
        if (tenth <= _lastTenth || tenth >= 10)
            return;
        _lastTenth = tenth;
        Write($"  {_name}: {tenth * 10} % ({FormatSize(done)} of {FormatSize(_size)})");
    }

    public void Done() => Write($"  {_name}: done");

    public void Note(string message) => Write($"  {_name}: {message}");

    public static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };

    private int Tenths(long done) => _size <= 0 ? 10 : (int)(done * 10 / _size);

    private void Write(string line)
    {
        if (_writer is null)
            return;
        lock (_writer)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }
}
