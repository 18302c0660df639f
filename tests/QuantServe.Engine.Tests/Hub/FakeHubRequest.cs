namespace QuantServe.Engine.Tests.Hub;

/// <summary>A request the fake hub received, for tests to assert what the client sent.</summary>
internal sealed record FakeHubRequest(string Method, bool ToCdn, string Path, string? Authorization, string? Range);
