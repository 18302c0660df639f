namespace QuantServe.Engine.Hub;

/// <summary>What <c>GET /api/models/{repo}/revision/{revision}</c> says: the commit the revision points at, and its files.</summary>
internal sealed record RepositoryInfo(string CommitSha, IReadOnlyList<string> Files);
