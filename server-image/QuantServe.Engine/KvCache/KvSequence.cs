namespace QuantServe.Engine.KvCache;

/// <summary>One sequence's view of the paged cache: the blocks it holds, in order, and how many tokens are stored.</summary>
public sealed class KvSequence
{
    internal readonly List<int> Blocks = [];

    /// <summary>Tokens whose keys and values are in the cache (the next token's position).</summary>
    public int Length { get; internal set; }

    public int BlockCount => Blocks.Count;

    internal bool Released { get; set; }
}
