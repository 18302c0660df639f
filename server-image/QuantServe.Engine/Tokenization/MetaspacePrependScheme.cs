namespace QuantServe.Engine.Tokenization;

/// <summary>When Metaspace puts a "▁" before a piece (tokenizer.json "prepend_scheme").</summary>
internal enum MetaspacePrependScheme
{
    Always,
    First,
    Never,
}
