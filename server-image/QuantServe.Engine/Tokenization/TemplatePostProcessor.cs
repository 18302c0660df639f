namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Post-processor "TemplateProcessing" (single-sequence template only): special tokens around the
/// text, with empty offsets (0, 0) as HF gives them.
/// </summary>
internal sealed class TemplatePostProcessor : IPostProcessor
{
    /// <summary>Each item is either special tokens (ids and their strings) or null for the sequence itself.</summary>
    private readonly IReadOnlyList<(int[] Ids, string[] Tokens)?> single;

    public TemplatePostProcessor(IReadOnlyList<(int[] Ids, string[] Tokens)?> single)
    {
        this.single = single;
        var leading = new List<int>();
        foreach (var item in single)
        {
            if (item is null)
            {
                break;
            }
            leading.AddRange(item.Value.Ids);
        }
        LeadingSpecialIds = leading;
    }

    public IReadOnlyList<int> LeadingSpecialIds { get; }

    public List<EncodedToken> Process(List<EncodedToken> tokens, bool addSpecialTokens)
    {
        if (!addSpecialTokens)
        {
            return tokens;
        }
        var result = new List<EncodedToken>(tokens.Count + 4);
        foreach (var item in single)
        {
            if (item is null)
            {
                result.AddRange(tokens);
                continue;
            }
            var (ids, strings) = item.Value;
            for (int i = 0; i < ids.Length; i++)
            {
                result.Add(new EncodedToken(ids[i], 0, 0, strings[i]));
            }
        }
        return result;
    }
}
