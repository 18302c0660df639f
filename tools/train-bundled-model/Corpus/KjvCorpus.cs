using System.Text;
using System.Text.RegularExpressions;

namespace QuantServe.Tools.TrainBundledModel.Corpus;

/// <summary>
/// The King James Bible as printed by Debian's <c>bible</c> (package bible-kjv) with
/// <c>bible -l0 -m 8192 Gen1:1-Rev22:21</c>: a heading "Book N" per chapter, then one line per verse,
/// "  V text". Verse numbers and headings are dropped; a chapter becomes its verses, one per line,
/// and chapters are separated by a blank line.
/// <para>Split: every 20th book (the 20th, 40th and 60th: Proverbs, Matthew, 1 Peter) is held out.</para>
/// </summary>
public sealed partial class KjvCorpus
{
    public const int HeldOutEveryNthBook = 20;

    private readonly List<(string Book, List<List<string>> Chapters)> books = [];

    public IReadOnlyList<string> BookNames => books.Select(b => b.Book).ToList();

    public int VerseCount => books.Sum(b => b.Chapters.Sum(c => c.Count));

    public static KjvCorpus Parse(string path)
    {
        var corpus = new KjvCorpus();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            var verse = VerseLine().Match(line);
            if (verse.Success)
            {
                if (corpus.books.Count == 0)
                    throw new InvalidDataException($"{path}:{lineNumber}: a verse before any chapter heading");
                corpus.books[^1].Chapters[^1].Add(verse.Groups["text"].Value.Trim());
                continue;
            }
            var heading = HeadingLine().Match(line);
            if (!heading.Success)
                throw new InvalidDataException($"{path}:{lineNumber}: neither a chapter heading nor a verse: '{line}'");
            string book = heading.Groups["book"].Value;
            if (corpus.books.Count == 0 || corpus.books[^1].Book != book)
                corpus.books.Add((book, []));
            corpus.books[^1].Chapters.Add([]);
        }
        if (corpus.books.Count != 66)
            throw new InvalidDataException($"{path}: expected the 66 books of the KJV, found {corpus.books.Count}; print it with 'bible -l0 -m 8192 Gen1:1-Rev22:21'");
        return corpus;
    }

    public static bool IsHeldOut(int bookIndex) => (bookIndex + 1) % HeldOutEveryNthBook == 0;

    /// <summary>The text of the training books (heldOut false) or the held-out books (true).</summary>
    public string Text(bool heldOut)
    {
        var text = new StringBuilder();
        for (int b = 0; b < books.Count; b++)
        {
            if (IsHeldOut(b) != heldOut)
                continue;
            foreach (var chapter in books[b].Chapters)
            {
                foreach (string verse in chapter)
                    text.Append(verse).Append('\n');
                text.Append('\n');
            }
        }
        return text.ToString();
    }

    [GeneratedRegex(@"^\s+\d+ (?<text>.+)$")]
    private static partial Regex VerseLine();

    [GeneratedRegex(@"^(?<book>[1-3]?\s?[A-Za-z][A-Za-z ]*?) (?<chapter>\d+)$")]
    private static partial Regex HeadingLine();
}
