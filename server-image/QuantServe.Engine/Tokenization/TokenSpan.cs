namespace QuantServe.Engine.Tokenization;

/// <summary>
/// A token and the UTF-8 byte range [Start, Stop) of the input text it came from (TGI's /tokenize
/// offsets). Special tokens added by the post-processor have (0, 0).
/// </summary>
public readonly record struct TokenSpan(int Id, int Start, int Stop);
