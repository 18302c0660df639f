namespace QuantServe.Engine.Hub;

/// <summary>
/// An exclusive lock on <c>{cache}/.locks/models--org--name/{etag}.lock</c> (huggingface_hub's lock path), so that two
/// processes downloading the same model never write the same blob at once. .NET takes FileShare.None with flock(2)
/// on Unix: the kernel drops it when the process dies, so a killed download leaves no stale lock. The file itself
/// stays: deleting it while another process waits on it would let two processes hold "the" lock.
/// </summary>
internal sealed class BlobLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly FileStream _stream;

    private BlobLock(FileStream stream)
    {
        _stream = stream;
    }

    public static async Task<BlobLock> AcquireAsync(string path, Action onWait, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool waited = false;
        while (true)
        {
            try
            {
                return new BlobLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (IsHeldElsewhere(e))
            {
                if (!waited)
                {
                    onWait();
                    waited = true;
                }

                await Task.Delay(PollInterval, ct);
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    // what .NET reports when flock(LOCK_NB) finds the lock taken: EWOULDBLOCK (11 on Linux, 35 on macOS);
    // on Windows ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION
    private static bool IsHeldElsewhere(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35;
}
