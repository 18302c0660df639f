using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace QuantServe.Operator.Runtime;

/// <summary>The operator's Prometheus metrics (text exposition format 0.0.4): reconciles, errors,
/// durations, queue depth, watch restarts, API requests. Small enough that a library adds nothing.</summary>
public sealed class OperatorMetrics
{
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly ConcurrentDictionary<(string Name, string Labels), double> counters = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), Func<double>> gauges = new();
    private readonly ConcurrentDictionary<string, Histogram> durations = new();

    public void CountReconcile(string controller, string result) =>
        Add("quantserve_operator_reconcile_total", $"controller=\"{controller}\",result=\"{result}\"");

    public void CountReconcileError(string controller) =>
        Add("quantserve_operator_reconcile_errors_total", $"controller=\"{controller}\"");

    public void ObserveReconcileDuration(string controller, TimeSpan duration) =>
        durations.GetOrAdd(controller, _ => new Histogram()).Observe(duration.TotalSeconds);

    public void CountWatchRestart(string resource, string reason) =>
        Add("quantserve_operator_watch_restarts_total", $"resource=\"{resource}\",reason=\"{reason}\"");

    public void CountRequest(string method, string resource, int code) =>
        Add("quantserve_operator_api_requests_total", $"method=\"{method}\",resource=\"{resource}\",code=\"{code}\"");

    public void CountLeaderTransition(string identity) =>
        Add("quantserve_operator_leader_transitions_total", $"identity=\"{identity}\"");

    /// <summary>A gauge read at scrape time (queue depth, cache size, is-leader).</summary>
    public void RegisterGauge(string name, string labels, Func<double> read) => gauges[(name, labels)] = read;

    public double Counter(string name, string labels) => counters.TryGetValue((name, labels), out var v) ? v : 0;

    /// <summary>The sum of a counter over all its label sets.</summary>
    public double CounterTotal(string name) => counters.Where(p => p.Key.Name == name).Sum(p => p.Value);

    private void Add(string name, string labels) => counters.AddOrUpdate((name, labels), 1, (_, v) => v + 1);

    public string Render()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (var group in counters.GroupBy(p => p.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("# TYPE ").Append(group.Key).Append(" counter\n");
            foreach (var (key, value) in group.OrderBy(p => p.Key.Labels, StringComparer.Ordinal))
                text.Append(inv, $"{key.Name}{{{key.Labels}}} {value}\n");
        }
        foreach (var group in gauges.GroupBy(p => p.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("# TYPE ").Append(group.Key).Append(" gauge\n");
            foreach (var (key, read) in group.OrderBy(p => p.Key.Labels, StringComparer.Ordinal))
                text.Append(inv, $"{key.Name}{{{key.Labels}}} {read()}\n");
        }
        if (!durations.IsEmpty)
        {
            const string name = "quantserve_operator_reconcile_duration_seconds";
            text.Append("# TYPE ").Append(name).Append(" histogram\n");
            foreach (var (controller, histogram) in durations.OrderBy(p => p.Key, StringComparer.Ordinal))
                histogram.Render(text, name, controller);
        }
        return text.ToString();
    }

    private sealed class Histogram
    {
        private readonly long[] buckets = new long[DurationBuckets.Length];
        private long count;
        private double sum;
        private readonly Lock gate = new();

        public void Observe(double seconds)
        {
            lock (gate)
            {
                for (var i = 0; i < DurationBuckets.Length; i++)
                    if (seconds <= DurationBuckets[i]) buckets[i]++;
                count++;
                sum += seconds;
            }
        }

        public void Render(StringBuilder text, string name, string controller)
        {
            var inv = CultureInfo.InvariantCulture;
            lock (gate)
            {
                for (var i = 0; i < DurationBuckets.Length; i++)
                    text.Append(inv, $"{name}_bucket{{controller=\"{controller}\",le=\"{DurationBuckets[i]}\"}} {buckets[i]}\n");
                text.Append(inv, $"{name}_bucket{{controller=\"{controller}\",le=\"+Inf\"}} {count}\n");
                text.Append(inv, $"{name}_sum{{controller=\"{controller}\"}} {sum}\n");
                text.Append(inv, $"{name}_count{{controller=\"{controller}\"}} {count}\n");
            }
        }
    }
}
