namespace QuantServe.Engine.Tokenization;

/// <summary>Pre-tokenizer "Split": cuts each piece at the pattern's matches.</summary>
internal sealed class SplitPreTokenizer(TextPattern pattern, SplitDelimiterBehavior behavior, bool invert) : IPreTokenizer
{
    public List<NormalizedText> PreTokenize(List<NormalizedText> pieces)
    {
        var result = new List<NormalizedText>(pieces.Count * 4);
        foreach (var piece in pieces)
        {
            Split(piece, pattern, behavior, invert, result);
        }
        return result;
    }

    /// <summary>HF's NormalizedString.split: groups the match/non-match runs by behavior.</summary>
    public static void Split(NormalizedText piece, TextPattern pattern, SplitDelimiterBehavior behavior, bool invert, List<NormalizedText> output)
    {
        var matches = pattern.FindMatches(piece.Text);
        if (invert)
        {
            for (int i = 0; i < matches.Count; i++)
            {
                matches[i] = (matches[i].Start, matches[i].End, !matches[i].IsMatch);
            }
        }

        // (start, end, remove)
        var splits = new List<(int Start, int End, bool Remove)>(matches.Count);
        bool previousMatch = false;
        switch (behavior)
        {
            case SplitDelimiterBehavior.Isolated:
                foreach (var m in matches)
                {
                    splits.Add((m.Start, m.End, false));
                }
                break;
            case SplitDelimiterBehavior.Removed:
                foreach (var m in matches)
                {
                    splits.Add((m.Start, m.End, m.IsMatch));
                }
                break;
            case SplitDelimiterBehavior.Contiguous:
                foreach (var m in matches)
                {
                    if (m.IsMatch == previousMatch && splits.Count > 0)
                    {
                        splits[^1] = (splits[^1].Start, m.End, false);
                    }
                    else
                    {
                        splits.Add((m.Start, m.End, false));
                    }
                    previousMatch = m.IsMatch;
                }
                break;
            case SplitDelimiterBehavior.MergedWithPrevious:
                foreach (var m in matches)
                {
                    if (m.IsMatch && !previousMatch && splits.Count > 0)
                    {
                        splits[^1] = (splits[^1].Start, m.End, false);
                    }
                    else
                    {
                        splits.Add((m.Start, m.End, false));
                    }
                    previousMatch = m.IsMatch;
                }
                break;
            case SplitDelimiterBehavior.MergedWithNext:
                for (int i = matches.Count - 1; i >= 0; i--)
                {
                    var m = matches[i];
                    if (m.IsMatch && !previousMatch && splits.Count > 0)
                    {
                        splits[^1] = (m.Start, splits[^1].End, false);
                    }
                    else
                    {
                        splits.Add((m.Start, m.End, false));
                    }
                    previousMatch = m.IsMatch;
                }
                splits.Reverse();
                break;
        }

        foreach (var (start, end, remove) in splits)
        {
            if (!remove && end > start)
            {
                output.Add(piece.Slice(start, end));
            }
        }
    }
}
