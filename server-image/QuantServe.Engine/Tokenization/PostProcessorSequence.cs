namespace QuantServe.Engine.Tokenization;

/// <summary>Post-processor "Sequence" (Llama 3.1: ByteLevel then TemplateProcessing).</summary>
internal sealed class PostProcessorSequence(IReadOnlyList<IPostProcessor> processors) : IPostProcessor
{
    public IReadOnlyList<int> LeadingSpecialIds
    {
        get
        {
            var ids = new List<int>();
            foreach (var processor in processors)
            {
                ids.InsertRange(0, processor.LeadingSpecialIds);
            }
            return ids;
        }
    }

    public List<EncodedToken> Process(List<EncodedToken> tokens, bool addSpecialTokens)
    {
        foreach (var processor in processors)
        {
            tokens = processor.Process(tokens, addSpecialTokens);
        }
        return tokens;
    }
}
