namespace QuantServe.Engine.Checkpoints;

/// <summary>Finds the tensor names closest to a name that was not found, for error messages.</summary>
internal static class NameSuggestions
{
    /// <summary>Up to <paramref name="count"/> candidates, closest first by edit distance, then by name.</summary>
    public static IReadOnlyList<string> Closest(string target, IEnumerable<string> candidates, int count = 5)
    {
        return candidates
            .Select(candidate => (Name: candidate, Distance: EditDistance(target, candidate)))
            .OrderBy(pair => pair.Distance)
            .ThenBy(pair => pair.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(pair => pair.Name)
            .ToList();
    }

    /// <summary>A sentence for an error message: the closest names, or that there are none.</summary>
    public static string Describe(string target, IEnumerable<string> names)
    {
        List<string> candidates = names.ToList();
        if (candidates.Count == 0)
        {
            return "It has no tensors at all.";
        }

        IReadOnlyList<string> closest = Closest(target, candidates);
        return $"Closest of its {candidates.Count} tensors: {string.Join(", ", closest.Select(name => $"'{name}'"))}.";
    }

    /// <summary>Levenshtein distance; names are short (tens of characters), so O(n*m) is fine on an error path.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
