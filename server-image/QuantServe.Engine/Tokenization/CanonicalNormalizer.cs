using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// NFD and NFC from the generated Unicode tables: full canonical decomposition (Hangul by formula),
/// canonical ordering of combining marks, then canonical composition. Own code because the engine
/// runs with InvariantGlobalization, where string.Normalize leaves text unchanged.
/// For alignment it reports, for each output character, how many input characters it stands for
/// (a composed character stands for its starter and the marks it absorbed; an extra character of
/// a decomposition for none), which is what Hugging Face's alignment of normalized text follows.
/// </summary>
internal static class CanonicalNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Dictionary<long, int>> CompositionPairs = new(BuildCompositions);

    /// <summary>Whether the text is certainly unchanged: characters below U+0300 are all NFC (but may decompose in NFD).</summary>
    public static bool IsTriviallyComposed(string text)
    {
        foreach (char c in text)
        {
            if (c >= 0x300)
            {
                return false;
            }
        }
        return true;
    }

    public static string Normalize(string text, bool compose)
    {
        var (output, _) = Normalize(EnumerateCodePoints(text), compose);
        var builder = new StringBuilder(text.Length);
        foreach (int cp in output)
        {
            builder.Append(char.ConvertFromUtf32(cp));
        }
        return builder.ToString();
    }

    /// <summary>Normalizes code points; Owned[j] is how many input code points output j stands for.</summary>
    public static (List<int> Output, List<int> Owned) Normalize(IReadOnlyList<int> input, bool compose)
    {
        // Decompose, remembering which entries begin an input character.
        var codePoints = new List<int>(input.Count + 8);
        var firsts = new List<bool>(input.Count + 8);
        foreach (int cp in input)
        {
            int before = codePoints.Count;
            Decompose(cp, codePoints);
            for (int k = before; k < codePoints.Count; k++)
            {
                firsts.Add(k == before);
            }
        }

        // Canonical ordering: stable sort of each run of non-starters by combining class.
        var classes = new int[codePoints.Count];
        for (int i = 0; i < classes.Length; i++)
        {
            classes[i] = CombiningClass(codePoints[i]);
        }
        for (int i = 1; i < codePoints.Count; i++)
        {
            int cls = classes[i];
            if (cls == 0)
            {
                continue;
            }
            int cp = codePoints[i];
            bool first = firsts[i];
            int j = i;
            while (j > 0 && classes[j - 1] > cls)
            {
                codePoints[j] = codePoints[j - 1];
                firsts[j] = firsts[j - 1];
                classes[j] = classes[j - 1];
                j--;
            }
            codePoints[j] = cp;
            firsts[j] = first;
            classes[j] = cls;
        }

        var output = new List<int>(codePoints.Count);
        var owned = new List<int>(codePoints.Count);
        if (!compose)
        {
            for (int i = 0; i < codePoints.Count; i++)
            {
                output.Add(codePoints[i]);
                owned.Add(firsts[i] ? 1 : 0);
            }
            return (output, owned);
        }

        // Canonical composition: a character joins the last starter unless blocked by a mark of
        // the same or higher class (or any starter) in between.
        int starterIndex = -1;
        int lastClass = 0;
        for (int i = 0; i < codePoints.Count; i++)
        {
            int cp = codePoints[i];
            int cls = classes[i];
            if (starterIndex >= 0 && (lastClass < cls || (lastClass == 0 && output.Count - 1 == starterIndex)))
            {
                int composite = Compose(output[starterIndex], cp);
                if (composite >= 0)
                {
                    output[starterIndex] = composite;
                    owned[starterIndex] += firsts[i] ? 1 : 0;
                    continue;
                }
            }
            if (cls == 0)
            {
                starterIndex = output.Count;
                lastClass = 0;
            }
            else
            {
                lastClass = cls;
            }
            output.Add(cp);
            owned.Add(firsts[i] ? 1 : 0);
        }
        return (output, owned);
    }

    public static List<int> EnumerateCodePoints(string text)
    {
        var codePoints = new List<int>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogatePair(text, i))
            {
                codePoints.Add(char.ConvertToUtf32(text[i], text[i + 1]));
                i++;
            }
            else
            {
                codePoints.Add(text[i]);
            }
        }
        return codePoints;
    }

    public static int CombiningClass(int cp)
    {
        var ranges = UnicodeNormalizationData.CombiningClassRanges;
        int lo = 0, hi = ranges.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[mid * 3])
            {
                hi = mid - 1;
            }
            else if (cp > ranges[mid * 3 + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return ranges[mid * 3 + 2];
            }
        }
        return 0;
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int index = cp - SBase;
            output.Add(LBase + index / NCount);
            output.Add(VBase + index % NCount / TCount);
            if (index % TCount != 0)
            {
                output.Add(TBase + index % TCount);
            }
            return;
        }
        var table = UnicodeNormalizationData.CanonicalDecompositions;
        int lo = 0, hi = table.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int key = table[mid * 3];
            if (cp < key)
            {
                hi = mid - 1;
            }
            else if (cp > key)
            {
                lo = mid + 1;
            }
            else
            {
                Decompose(table[mid * 3 + 1], output);
                if (table[mid * 3 + 2] != 0)
                {
                    Decompose(table[mid * 3 + 2], output);
                }
                return;
            }
        }
        output.Add(cp);
    }

    /// <summary>The primary composite of the pair, or -1.</summary>
    private static int Compose(int first, int second)
    {
        if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
        {
            return SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
        }
        if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0 && second > TBase && second < TBase + TCount)
        {
            return first + (second - TBase);
        }
        return CompositionPairs.Value.TryGetValue(((long)first << 32) | (uint)second, out int composite) ? composite : -1;
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        var table = UnicodeNormalizationData.Compositions;
        var pairs = new Dictionary<long, int>(table.Length / 3);
        for (int i = 0; i < table.Length; i += 3)
        {
            pairs[((long)table[i] << 32) | (uint)table[i + 1]] = table[i + 2];
        }
        return pairs;
    }
}
