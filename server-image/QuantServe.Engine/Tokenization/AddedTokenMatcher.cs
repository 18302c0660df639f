using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Finds added tokens in text the way HF's AddedVocabulary.find_matches does: leftmost-longest
/// non-overlapping matches (a trie walk from each position), then single_word, lstrip and rstrip.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Node root = new();

    /// <param name="patterns">The text to look for (the content, or its normalized form) and its token.</param>
    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> patterns)
    {
        foreach (var (pattern, token) in patterns)
        {
            if (pattern.Length == 0)
            {
                continue;
            }
            var node = root;
            foreach (char c in pattern)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out var child))
                {
                    child = new Node();
                    node.Children[c] = child;
                }
                node = child;
            }
            // The first token with a given text wins, as in a trie built from the ordered list.
            node.Token ??= token;
        }
    }

    public bool IsEmpty => root.Children is null;

    /// <summary>Consecutive pieces covering the sentence; Token is set for the pieces that are added tokens.</summary>
    public List<(AddedToken? Token, int Start, int End)> Split(string sentence)
    {
        var splits = new List<(AddedToken?, int, int)>();
        if (sentence.Length == 0)
        {
            splits.Add((null, 0, 0));
            return splits;
        }
        int startOffset = 0;
        int searchFrom = 0;
        while (TryFindLeftmostLongest(sentence, searchFrom, out int start, out int stop, out var token))
        {
            searchFrom = stop;
            if (token.SingleWord)
            {
                bool startSpace = start == 0 || !EndsWithWordCharacter(sentence, start);
                bool stopSpace = stop == sentence.Length || !StartsWithWordCharacter(sentence, stop);
                if (!startSpace || !stopSpace)
                {
                    continue;
                }
            }
            if (token.Lstrip)
            {
                int newStart = start;
                while (newStart > 0 && char.IsWhiteSpace(sentence[newStart - 1]))
                {
                    newStart--;
                }
                start = Math.Max(newStart, startOffset);
            }
            if (token.Rstrip)
            {
                while (stop < sentence.Length && char.IsWhiteSpace(sentence[stop]))
                {
                    stop++;
                }
            }
            if (startOffset < start)
            {
                splits.Add((null, startOffset, start));
            }
            splits.Add((token, start, stop));
            startOffset = stop;
        }
        if (startOffset != sentence.Length)
        {
            splits.Add((null, startOffset, sentence.Length));
        }
        return splits;
    }

    private bool TryFindLeftmostLongest(string text, int from, out int start, out int stop, out AddedToken token)
    {
        var rootChildren = root.Children;
        if (rootChildren is not null)
        {
            for (int i = from; i < text.Length; i++)
            {
                if (!rootChildren.TryGetValue(text[i], out var node))
                {
                    continue;
                }
                AddedToken? best = null;
                int bestEnd = 0;
                for (int j = i + 1; ; j++)
                {
                    if (node.Token is not null)
                    {
                        best = node.Token;
                        bestEnd = j;
                    }
                    if (j >= text.Length || node.Children is null || !node.Children.TryGetValue(text[j], out node))
                    {
                        break;
                    }
                }
                if (best is not null)
                {
                    start = i;
                    stop = bestEnd;
                    token = best;
                    return true;
                }
            }
        }
        start = stop = 0;
        token = null!;
        return false;
    }

    /// <summary>Regex \w of Rust's regex crate: alphabetic, marks, decimal digits, connector punctuation, joiners.</summary>
    private static bool IsWordCharacter(Rune rune)
    {
        if (rune.Value is 0x200C or 0x200D)
        {
            return true;
        }
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }

    private static bool EndsWithWordCharacter(string text, int end) =>
        Rune.DecodeLastFromUtf16(text.AsSpan(0, end), out var rune, out _) == System.Buffers.OperationStatus.Done && IsWordCharacter(rune);

    private static bool StartsWithWordCharacter(string text, int start) =>
        Rune.DecodeFromUtf16(text.AsSpan(start), out var rune, out _) == System.Buffers.OperationStatus.Done && IsWordCharacter(rune);

    private sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public AddedToken? Token;
    }
}
