namespace QuantServe.Engine.Tokenization;

/// <summary>An entry of tokenizer.json "added_tokens", with the flags that steer how it is found in text.</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool Lstrip, bool Rstrip, bool Normalized, bool Special);
