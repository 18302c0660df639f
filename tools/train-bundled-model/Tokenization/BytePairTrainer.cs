using System.Text;
using System.Text.RegularExpressions;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Tools.TrainBundledModel.Tokenization;

/// <summary>
/// Learns byte-level BPE merges the way Hugging Face's BpeTrainer does: the text is split by the
/// pre-tokenizer regex, each piece becomes its bytes (as the byte-level alphabet's characters), and the
/// most frequent adjacent pair (weighted by piece frequency) is merged until the merge budget is spent.
/// Ties go to the pair that sorts first (ordinal, left then right), so the result is deterministic.
/// </summary>
public static class BytePairTrainer
{
    public static List<(string Left, string Right)> Train(string text, string splitRegex, int mergeCount)
    {
        var pieceCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match match in Regex.Matches(text, splitRegex))
        {
            pieceCounts[match.Value] = pieceCounts.GetValueOrDefault(match.Value) + 1;
        }

        var symbols = new List<string>();
        var symbolIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int Intern(string s)
        {
            if (!symbolIds.TryGetValue(s, out int id))
            {
                id = symbols.Count;
                symbols.Add(s);
                symbolIds[s] = id;
            }
            return id;
        }
        for (int b = 0; b < 256; b++)
            Intern(ByteLevelAlphabet.ByteToChar[b].ToString());

        var words = new List<List<int>>();
        var counts = new List<long>();
        foreach (var (piece, count) in pieceCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            words.Add(Encoding.UTF8.GetBytes(piece).Select(b => (int)b).ToList());
            counts.Add(count);
        }

        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        void AddPairs(int w, long sign)
        {
            var word = words[w];
            for (int i = 0; i + 1 < word.Count; i++)
            {
                var pair = (word[i], word[i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + sign * counts[w];
                if (sign > 0)
                {
                    if (!pairWords.TryGetValue(pair, out var set))
                        pairWords[pair] = set = [];
                    set.Add(w);
                }
            }
        }
        for (int w = 0; w < words.Count; w++)
            AddPairs(w, +1);

        var merges = new List<(string, string)>(mergeCount);
        while (merges.Count < mergeCount)
        {
            (int, int) best = default;
            long bestCount = 0;
            foreach (var (pair, count) in pairCounts)
            {
                if (count > bestCount || (count == bestCount && count > 0 && ComparePairs(pair, best, symbols) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }
            if (bestCount == 0)
                break; // every piece is a single symbol: nothing left to merge
            int merged = Intern(symbols[best.Item1] + symbols[best.Item2]);
            merges.Add((symbols[best.Item1], symbols[best.Item2]));
            foreach (int w in pairWords[best].ToList())
            {
                var word = words[w];
                bool contains = false;
                for (int i = 0; i + 1 < word.Count; i++)
                    contains |= word[i] == best.Item1 && word[i + 1] == best.Item2;
                if (!contains)
                    continue;
                AddPairs(w, -1);
                var rewritten = new List<int>(word.Count);
                for (int i = 0; i < word.Count; i++)
                {
                    if (i + 1 < word.Count && word[i] == best.Item1 && word[i + 1] == best.Item2)
                    {
                        rewritten.Add(merged);
                        i++;
                    }
                    else
                    {
                        rewritten.Add(word[i]);
                    }
                }
                words[w] = rewritten;
                AddPairs(w, +1);
            }
            pairCounts.Remove(best);
        }
        return merges;
    }

    private static int ComparePairs((int, int) a, (int, int) b, List<string> symbols)
    {
        int c = string.CompareOrdinal(symbols[a.Item1], symbols[b.Item1]);
        return c != 0 ? c : string.CompareOrdinal(symbols[a.Item2], symbols[b.Item2]);
    }
}
