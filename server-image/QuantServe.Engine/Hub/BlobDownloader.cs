using System.Buffers;
using System.Security.Cryptography;

namespace QuantServe.Engine.Hub;

/// <summary>
/// Downloads one blob into <c>blobs/{etag}.incomplete</c>, resuming with HTTP Range from whatever an earlier attempt
/// or an earlier process left there, checks its size and (for LFS blobs, whose ETag is their sha256) its hash, and
/// only then renames it to <c>blobs/{etag}</c>: a file under the final name is always complete and verified.
/// The caller holds the blob's lock.
/// </summary>
internal sealed class BlobDownloader
{
    private const int BufferSize = 1 << 20;
    private readonly HubClient _client;
    private readonly HubOptions _options;

    public BlobDownloader(HubClient client, HubOptions options)
    {
        _client = client;
        _options = options;
    }

    public async Task DownloadAsync(HubFileMetadata file, string repoId, string blobPath, CancellationToken ct)
    {
        string incompletePath = blobPath + ".incomplete";
        string what = $"{repoId}/{file.FileName}";
        using IncrementalHash? hash = HubIdentifiers.IsSha256(file.Etag) ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var progress = new DownloadProgress(_options.Progress, file.FileName, file.Size);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using (var output = new FileStream(incompletePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                long have = output.Length;
                if (have > file.Size)
                {
                    output.SetLength(0);
                    have = 0;
                }

                if (have > 0 && hash is not null)
                    await HashPrefixAsync(output, have, hash, buffer, ct);
                output.Position = have;
                progress.Start(have);

                int failuresInARow = 0;
                while (have < file.Size)
                {
                    long before = have;
                    try
                    {
                        using HubDownloadStream body = await _client.OpenDownloadAsync(file, repoId, have, ct);
                        if (body.Offset != have)
                        {
                            // the server ignored the Range and sends the whole file: start over
                            output.SetLength(0);
                            output.Position = 0;
                            have = 0;
                            hash?.GetHashAndReset();
                        }

                        while (true)
                        {
                            int read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), ct);
                            if (read == 0)
                                break;
                            if (have + read > file.Size)
                            {
                                await output.DisposeAsync();
                                File.Delete(incompletePath);
                                throw new HubException(HubErrorKind.IntegrityCheckFailed,
                                    $"{what}: the server sent more than the {file.Size} bytes the hub announced (X-Linked-Size/Content-Length); the partial download was deleted");
                            }

                            await output.WriteAsync(buffer.AsMemory(0, read), ct);
                            hash?.AppendData(buffer, 0, read);
                            have += read;
                            progress.Report(have);
                        }

                        if (have < file.Size)
                            throw new HubException(HubErrorKind.Unreachable, $"{what}: the server closed the connection after {have} of {file.Size} bytes");
                    }
                    catch (HubException e) when (e.Kind == HubErrorKind.Unreachable)
                    {
                        await output.FlushAsync(ct);
                        failuresInARow = have > before ? 1 : failuresInARow + 1;
                        if (failuresInARow > _options.MaxResumeAttempts)
                        {
                            throw new HubException(HubErrorKind.Unreachable,
                                $"{e.Message}; gave up after {failuresInARow} attempts without progress at {have} of {file.Size} bytes. " +
                                $"Run the download again to resume from {incompletePath}.", e);
                        }

                        progress.Note($"{e.Message}; resuming at byte {have}");
                        await Task.Delay(TimeSpan.FromMilliseconds(100 * failuresInARow), ct);
                    }
                }

                output.Flush(flushToDisk: true);
            }

            if (hash is not null)
            {
                string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (actual != file.Etag)
                {
                    File.Delete(incompletePath);
                    throw new HubException(HubErrorKind.IntegrityCheckFailed,
                        $"{what}: the downloaded file's sha256 is {actual} but the hub says {file.Etag}; the download was deleted. " +
                        "Run again to download it afresh; if it keeps failing, a proxy or mirror (HF_ENDPOINT) is altering the file.");
                }
            }

            File.Move(incompletePath, blobPath, overwrite: true);
            progress.Done();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task HashPrefixAsync(FileStream file, long length, IncrementalHash hash, byte[] buffer, CancellationToken ct)
    {
        file.Position = 0;
        long left = length;
        while (left > 0)
        {
            int read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, left)), ct);
            if (read == 0)
                throw new IOException($"{file.Name} shrank while it was being read");
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
    }
}
