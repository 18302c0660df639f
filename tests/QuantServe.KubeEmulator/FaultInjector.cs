using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;

namespace QuantServe.KubeEmulator;

/// <summary>
/// Makes the next matching requests fail or wait, so tests can check a controller's retries, conflicts
/// handling and watch reconnects. A rule matches when its method (if given) equals the request's and its
/// path fragment (if given) occurs in the path plus query; each match uses up one of its count.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _failures = [];
    private readonly List<Rule> _delays = [];
    private readonly Action _dropWatches;

    internal FaultInjector(Action dropWatches) => _dropWatches = dropWatches;

    /// <summary>The next <paramref name="count"/> matching requests get <paramref name="statusCode"/> with a Status body.</summary>
    public void FailNext(int count, int statusCode, string? method = null, string? pathContains = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (statusCode is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "an injected failure needs an HTTP error status (400-599)");
        }

        lock (_gate)
        {
            _failures.Add(new Rule(count, method, pathContains, statusCode, TimeSpan.Zero));
        }
    }

    /// <summary>The next <paramref name="count"/> matching requests wait <paramref name="delay"/> before being served.</summary>
    public void DelayNext(int count, TimeSpan delay, string? method = null, string? pathContains = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            _delays.Add(new Rule(count, method, pathContains, 0, delay));
        }
    }

    /// <summary>Ends every open watch stream now (as a server does when it restarts or times a watch out).</summary>
    public void DropWatches() => _dropWatches();

    /// <summary>Forgets every pending fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _failures.Clear();
            _delays.Clear();
        }
    }

    internal TimeSpan TakeDelay(string method, string target)
    {
        lock (_gate)
        {
            return Take(_delays, method, target)?.Delay ?? TimeSpan.Zero;
        }
    }

    internal JsonObject? TakeFailure(string method, string target)
    {
        lock (_gate)
        {
            return Take(_failures, method, target) is { } rule
                ? StatusBodies.Failure(rule.StatusCode, StatusBodies.ReasonFor(rule.StatusCode), $"injected fault: {rule.StatusCode} for {method} {target}")
                : null;
        }
    }

    private static Rule? Take(List<Rule> rules, string method, string target)
    {
        var rule = rules.FirstOrDefault(r =>
            (r.Method is null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
            && (r.PathContains is null || target.Contains(r.PathContains, StringComparison.Ordinal)));
        if (rule is not null && --rule.Remaining == 0)
        {
            rules.Remove(rule);
        }

        return rule;
    }

    private sealed class Rule(int remaining, string? method, string? pathContains, int statusCode, TimeSpan delay)
    {
        public int Remaining { get; set; } = remaining;

        public string? Method { get; } = method;

        public string? PathContains { get; } = pathContains;

        public int StatusCode { get; } = statusCode;

        public TimeSpan Delay { get; } = delay;
    }
}
