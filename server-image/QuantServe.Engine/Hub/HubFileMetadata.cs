namespace QuantServe.Engine.Hub;

/// <summary>
/// One file at one commit, from the headers of <c>HEAD {endpoint}/{repo}/resolve/{commit}/{file}</c>:
/// the commit (X-Repo-Commit), the blob id (X-Linked-Etag for LFS files, else ETag), the size
/// (X-Linked-Size, else Content-Length) and where to GET it (the CDN for LFS files).
/// </summary>
internal sealed record HubFileMetadata(string FileName, string? CommitSha, string Etag, long Size, Uri Location);
