namespace QuantServe.Engine.Tokenization;

/// <summary>What a split pattern does with the text it matched (tokenizer.json "behavior").</summary>
internal enum SplitDelimiterBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}
