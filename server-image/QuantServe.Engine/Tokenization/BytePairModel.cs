using System.Collections.Concurrent;
using System.Text;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Model "BPE": starts from one symbol per character (or per byte with byte fallback) and applies
/// the lowest-ranked merge first, leftmost first among equal ranks, as Hugging Face's Word.merge_all.
/// Results are cached per word, so a long text costs one merge per distinct word.
/// </summary>
internal sealed class BytePairModel
{
    private const int MaxCachedWordLength = 256;
    private const int MaxCacheEntries = 100_000;

    private readonly Dictionary<string, int> vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> vocabBySpan;
    private readonly Dictionary<int, string> idToToken;
    private readonly Dictionary<long, (int Rank, int NewId)> merges;
    private readonly int? unkId;
    private readonly bool fuseUnk;
    private readonly bool ignoreMerges;
    private readonly string? continuingSubwordPrefix;
    private readonly string? endOfWordSuffix;
    private readonly int[]? byteFallbackIds;
    private readonly ConcurrentDictionary<string, CachedWord> cache = new(StringComparer.Ordinal);

    /// <summary>
    /// SentencePiece-style files have no pre-tokenizer, so the whole text is one word. When no token
    /// has "▁" after another character, no merge can join across the start of a "▁" run, and the
    /// word can be cut there and cached piece by piece with the same result.
    /// </summary>
    private readonly bool cutsBeforeMetaspace;

    public BytePairModel(
        Dictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> mergeList,
        string? unkToken,
        bool fuseUnk,
        bool byteFallback,
        bool ignoreMerges,
        string? continuingSubwordPrefix,
        string? endOfWordSuffix,
        string where)
    {
        this.vocab = vocab.Comparer == StringComparer.Ordinal ? vocab : new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        vocabBySpan = this.vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        idToToken = new Dictionary<int, string>(vocab.Count);
        foreach (var (token, id) in vocab)
        {
            idToToken[id] = token;
        }
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.continuingSubwordPrefix = string.IsNullOrEmpty(continuingSubwordPrefix) ? null : continuingSubwordPrefix;
        this.endOfWordSuffix = string.IsNullOrEmpty(endOfWordSuffix) ? null : endOfWordSuffix;
        if (unkToken is not null)
        {
            if (!vocab.TryGetValue(unkToken, out int id))
            {
                throw new InvalidDataException($"{where}: unk_token \"{unkToken}\" is not in the vocabulary");
            }
            unkId = id;
        }
        if (byteFallback)
        {
            byteFallbackIds = new int[256];
            for (int b = 0; b < 256; b++)
            {
                byteFallbackIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
            }
        }

        cutsBeforeMetaspace = !ignoreMerges && this.continuingSubwordPrefix is null && this.endOfWordSuffix is null
            && vocab.ContainsKey(Metaspace) && !vocab.Keys.Any(HasMetaspaceAfterOtherCharacter);

        int prefixLength = this.continuingSubwordPrefix?.Length ?? 0;
        merges = new Dictionary<long, (int, int)>(mergeList.Count, PairKeyComparer.Instance);
        for (int rank = 0; rank < mergeList.Count; rank++)
        {
            var (left, right) = mergeList[rank];
            if (!vocab.TryGetValue(left, out int leftId) || !vocab.TryGetValue(right, out int rightId))
            {
                throw new InvalidDataException($"{where}: merge {rank} (\"{left}\" \"{right}\") uses a token that is not in the vocabulary");
            }
            string merged = left + (right.Length >= prefixLength ? right[prefixLength..] : right);
            if (!vocab.TryGetValue(merged, out int newId))
            {
                throw new InvalidDataException($"{where}: merge {rank} (\"{left}\" \"{right}\") makes \"{merged}\", which is not in the vocabulary");
            }
            merges[PairKey(leftId, rightId)] = (rank, newId);
        }
    }

    public IReadOnlyDictionary<string, int> Vocab => vocab;

    public string? IdToToken(int id) => idToToken.GetValueOrDefault(id);

    /// <summary>Appends the word's tokens with their [start, end) UTF-16 ranges inside the word.</summary>
    public void Tokenize(string word, List<(int Id, int Start, int End)> output)
    {
        if (word.Length == 0)
        {
            return;
        }
        if (ignoreMerges && vocab.TryGetValue(word, out int whole))
        {
            output.Add((whole, 0, word.Length));
            return;
        }
        if (!cutsBeforeMetaspace)
        {
            TokenizePiece(word, 0, output);
            return;
        }
        int start = 0;
        for (int i = 1; i < word.Length; i++)
        {
            if (word[i] == MetaspaceCharacter && word[i - 1] != MetaspaceCharacter)
            {
                TokenizePiece(word[start..i], start, output);
                start = i;
            }
        }
        TokenizePiece(word[start..], start, output);
    }

    private const char MetaspaceCharacter = '\u2581';
    private const string Metaspace = "\u2581";

    private static bool HasMetaspaceAfterOtherCharacter(string token)
    {
        for (int i = token.IndexOf(MetaspaceCharacter, 1); i > 0; i = token.IndexOf(MetaspaceCharacter, i + 1))
        {
            if (token[i - 1] != MetaspaceCharacter)
            {
                return true;
            }
        }
        return false;
    }

    private void TokenizePiece(string piece, int offset, List<(int Id, int Start, int End)> output)
    {
        if (!cache.TryGetValue(piece, out var cached))
        {
            cached = MergeWord(piece);
            if (piece.Length < MaxCachedWordLength && cache.Count < MaxCacheEntries)
            {
                cache.TryAdd(piece, cached);
            }
        }
        for (int i = 0; i < cached.Ids.Length; i++)
        {
            output.Add((cached.Ids[i], cached.Starts[i] + offset, cached.Ends[i] + offset));
        }
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private CachedWord MergeWord(string word)
    {
        var symbols = new List<Symbol>(word.Length);
        int pendingUnkStart = -1, pendingUnkEnd = -1;

        void FlushUnk()
        {
            if (pendingUnkStart >= 0)
            {
                symbols.Add(new Symbol(unkId!.Value, pendingUnkStart, pendingUnkEnd));
                pendingUnkStart = -1;
            }
        }

        for (int i = 0; i < word.Length;)
        {
            int units = char.IsSurrogatePair(word, i) ? 2 : 1;
            bool isFirst = i == 0;
            bool isLast = i + units == word.Length;
            var character = word.AsSpan(i, units);
            bool decorated = (!isFirst && continuingSubwordPrefix is not null) || (isLast && endOfWordSuffix is not null);
            string? piece = null;
            if (decorated)
            {
                piece = (!isFirst ? continuingSubwordPrefix : null) + character.ToString() + (isLast ? endOfWordSuffix : null);
            }

            if (piece is null ? vocabBySpan.TryGetValue(character, out int id) : vocab.TryGetValue(piece, out id))
            {
                FlushUnk();
                symbols.Add(new Symbol(id, i, i + units));
            }
            else if (byteFallbackIds is not null && ByteFallback(piece ?? character.ToString()) is { } byteIds)
            {
                // HF adds the byte tokens without flushing a pending unknown first; keep its order.
                foreach (int byteId in byteIds)
                {
                    symbols.Add(new Symbol(byteId, i, i + units));
                }
            }
            else if (unkId is not null)
            {
                if (pendingUnkStart >= 0 && fuseUnk)
                {
                    pendingUnkEnd = i + units;
                }
                else
                {
                    FlushUnk();
                    pendingUnkStart = i;
                    pendingUnkEnd = i + units;
                }
            }
            i += units;
        }
        FlushUnk();

        MergeAll(symbols);

        int alive = 0;
        foreach (var s in symbols)
        {
            if (s.Alive)
            {
                alive++;
            }
        }
        var ids = new int[alive];
        var starts = new int[alive];
        var ends = new int[alive];
        int n = 0;
        foreach (var s in symbols)
        {
            if (s.Alive)
            {
                ids[n] = s.Id;
                starts[n] = s.Start;
                ends[n] = s.End;
                n++;
            }
        }
        return new CachedWord(ids, starts, ends);
    }

    /// <summary>The &lt;0xXX&gt; tokens of the piece's UTF-8 bytes, or null when one is missing.</summary>
    private int[]? ByteFallback(string piece)
    {
        var bytes = Encoding.UTF8.GetBytes(piece);
        var ids = new int[bytes.Length];
        for (int k = 0; k < bytes.Length; k++)
        {
            ids[k] = byteFallbackIds![bytes[k]];
            if (ids[k] < 0)
            {
                return null;
            }
        }
        return ids;
    }

    private void MergeAll(List<Symbol> symbols)
    {
        int count = symbols.Count;
        if (count < 2)
        {
            return;
        }
        var prev = new int[count];
        var next = new int[count];
        for (int i = 0; i < count; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        var queue = new PriorityQueue<(int Pos, int NewId), (int Rank, int Pos)>(count);
        for (int i = 0; i + 1 < count; i++)
        {
            if (merges.TryGetValue(PairKey(symbols[i].Id, symbols[i + 1].Id), out var m))
            {
                queue.Enqueue((i, m.NewId), (m.Rank, i));
            }
        }

        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);
        while (queue.TryDequeue(out var top, out _))
        {
            ref var current = ref span[top.Pos];
            if (!current.Alive || next[top.Pos] < 0)
            {
                continue;
            }
            int rightPos = next[top.Pos];
            ref var right = ref span[rightPos];
            // Skip entries made stale by an earlier merge of either side.
            if (!merges.TryGetValue(PairKey(current.Id, right.Id), out var target) || target.NewId != top.NewId)
            {
                continue;
            }

            current = new Symbol(top.NewId, current.Start, right.End);
            right.Alive = false;
            next[top.Pos] = next[rightPos];
            if (next[rightPos] >= 0)
            {
                prev[next[rightPos]] = top.Pos;
            }

            if (prev[top.Pos] >= 0
                && merges.TryGetValue(PairKey(span[prev[top.Pos]].Id, current.Id), out var left))
            {
                queue.Enqueue((prev[top.Pos], left.NewId), (left.Rank, prev[top.Pos]));
            }
            if (next[top.Pos] >= 0
                && merges.TryGetValue(PairKey(current.Id, span[next[top.Pos]].Id), out var after))
            {
                queue.Enqueue((top.Pos, after.NewId), (after.Rank, top.Pos));
            }
        }
    }

    private struct Symbol(int id, int start, int end)
    {
        public int Id = id;
        public int Start = start;
        public int End = end;
        public bool Alive = true;
    }

    private sealed record CachedWord(int[] Ids, int[] Starts, int[] Ends);

    /// <summary>
    /// long's own hash is left ^ right, which puts every (x, x) pair in one bucket ("a a", "aa aa",
    /// "Ġ Ġ"...) and made a run of one letter crawl; a multiplicative hash spreads the pairs.
    /// </summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
