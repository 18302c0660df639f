using k8s.Models;

namespace QuantServe.Operator.Runtime;

/// <summary>metav1.Condition bookkeeping: lastTransitionTime moves only when the status flips.</summary>
public static class Conditions
{
    public static List<V1Condition> Set(List<V1Condition>? existing, string type, bool status, string reason, string message, long? generation)
    {
        var list = existing?.Select(c => c).ToList() ?? [];
        var text = status ? "True" : "False";
        var old = list.FirstOrDefault(c => c.Type == type);
        var transition = old is not null && old.Status == text ? old.LastTransitionTime : TruncatedNow();
        list.RemoveAll(c => c.Type == type);
        list.Add(new V1Condition
        {
            Type = type,
            Status = text,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = transition,
        });
        return list.OrderBy(c => c.Type, StringComparer.Ordinal).ToList();
    }

    // The API stores seconds; a sub-second time would differ after the round trip and rewrite status forever.
    private static DateTime TruncatedNow()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == "True";
}
