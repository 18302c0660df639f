namespace QuantServe.Engine.Tokenization;

/// <summary>A token during encoding: id, original UTF-8 byte range, and its string form (for offset trimming).</summary>
internal readonly record struct EncodedToken(int Id, int Start, int Stop, string Value);
