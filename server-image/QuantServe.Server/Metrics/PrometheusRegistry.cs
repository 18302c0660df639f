using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace QuantServe.Server.Metrics;

/// <summary>
/// A minimal Prometheus registry: counters (with label sets), gauges read at scrape time, and
/// histograms with fixed buckets, rendered in the text exposition format 0.0.4.
/// </summary>
public sealed class PrometheusRegistry
{
    private readonly ConcurrentDictionary<string, Family> _families = new(StringComparer.Ordinal);

    public void Increment(string name, double by = 1, string? labels = null) =>
        Get(name, "counter").Add(labels ?? "", by);

    public void Gauge(string name, Func<double> read) => _families[name] = new Family("gauge", read);

    public void Observe(string name, double value, double[] buckets) =>
        _families.GetOrAdd(name, _ => new Family("histogram", buckets)).ObserveValue(value);

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var (name, family) in _families.OrderBy(f => f.Key, StringComparer.Ordinal))
            family.Render(name, text);
        return text.ToString();
    }

    private Family Get(string name, string type) => _families.GetOrAdd(name, _ => new Family(type));

    private sealed class Family
    {
        private readonly string _type;
        private readonly Func<double>? _read;
        private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);
        private readonly double[] _buckets = [];
        private readonly long[] _bucketCounts = [];
        private long _count;
        private double _sum;
        private readonly Lock _lock = new();

        public Family(string type, Func<double>? read = null)
        {
            _type = type;
            _read = read;
        }

        public Family(string type, double[] buckets)
        {
            _type = type;
            _buckets = buckets;
            _bucketCounts = new long[buckets.Length];
        }

        public void Add(string labels, double by) => _values.AddOrUpdate(labels, by, (_, v) => v + by);

        public void ObserveValue(double value)
        {
            lock (_lock)
            {
                for (int i = 0; i < _buckets.Length; i++)
                {
                    if (value <= _buckets[i])
                        _bucketCounts[i]++;
                }
                _count++;
                _sum += value;
            }
        }

        public void Render(string name, StringBuilder text)
        {
            text.Append("# TYPE ").Append(name).Append(' ').Append(_type).Append('\n');
            switch (_type)
            {
                case "gauge":
                    Line(text, name, "", _read!());
                    break;
                case "counter":
                    foreach (var (labels, value) in _values.OrderBy(v => v.Key, StringComparer.Ordinal))
                        Line(text, name, labels, value);
                    break;
                default:
                    lock (_lock)
                    {
                        for (int i = 0; i < _buckets.Length; i++)
                            Line(text, name + "_bucket", $"le=\"{_buckets[i].ToString(CultureInfo.InvariantCulture)}\"", _bucketCounts[i]);
                        Line(text, name + "_bucket", "le=\"+Inf\"", _count);
                        Line(text, name + "_sum", "", _sum);
                        Line(text, name + "_count", "", _count);
                    }
                    break;
            }
        }

        private static void Line(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
                text.Append('{').Append(labels).Append('}');
            text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}
