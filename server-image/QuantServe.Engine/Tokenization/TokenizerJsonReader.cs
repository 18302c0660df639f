using System.Text.Json;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Builds the pipeline components from a parsed tokenizer.json. Anything outside the supported set
/// is a NotSupportedException naming the section and the component type.
/// </summary>
internal static class TokenizerJsonReader
{
    public static ITextNormalizer? ReadNormalizer(JsonElement element, string source)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        string type = TypeOf(element, source, "normalizer");
        return type switch
        {
            "Sequence" => new NormalizerSequence(
                [.. Array(element, "normalizers", source, "normalizer Sequence").Select(e => ReadNormalizer(e, source) ?? Identity.Instance)]),
            "Prepend" => new PrependNormalizer(String(element, "prepend", source, "normalizer Prepend")),
            "Replace" => new ReplaceNormalizer(
                TextPattern.FromJson(Property(element, "pattern", source, "normalizer Replace"), $"{source} normalizer Replace"),
                String(element, "content", source, "normalizer Replace")),
            "NFC" => new UnicodeFormNormalizer(compose: true),
            "NFD" => new UnicodeFormNormalizer(compose: false),
            _ => throw Unsupported(source, "normalizer", type, "Sequence, Prepend, Replace, NFC, NFD"),
        };
    }

    public static IPreTokenizer? ReadPreTokenizer(JsonElement element, string source)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        string type = TypeOf(element, source, "pre_tokenizer");
        switch (type)
        {
            case "Sequence":
                return new PreTokenizerSequence(
                    [.. Array(element, "pretokenizers", source, "pre_tokenizer Sequence").Select(e => ReadPreTokenizer(e, source) ?? PassThrough.Instance)]);
            case "Split":
                string behavior = String(element, "behavior", source, "pre_tokenizer Split");
                if (!Enum.TryParse<SplitDelimiterBehavior>(behavior, ignoreCase: false, out var parsed))
                {
                    throw Unsupported(source, "pre_tokenizer Split behavior", behavior, "Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
                }
                return new SplitPreTokenizer(
                    TextPattern.FromJson(Property(element, "pattern", source, "pre_tokenizer Split"), $"{source} pre_tokenizer Split"),
                    parsed,
                    Bool(element, "invert", false));
            case "ByteLevel":
                return new ByteLevelPreTokenizer(Bool(element, "add_prefix_space", true), Bool(element, "use_regex", true));
            case "Metaspace":
                return new MetaspacePreTokenizer(
                    Replacement(element, source, "pre_tokenizer Metaspace"),
                    PrependScheme(element, source, "pre_tokenizer Metaspace"),
                    Bool(element, "split", true));
            default:
                throw Unsupported(source, "pre_tokenizer", type, "Sequence, Split, ByteLevel, Metaspace");
        }
    }

    public static BytePairModel ReadModel(JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: \"model\" is missing or not an object");
        }
        // Old files leave out "type"; HF then recognizes BPE by its merges.
        string type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : element.TryGetProperty("merges", out _) ? "BPE" : "(none)";
        if (type != "BPE")
        {
            throw Unsupported(source, "model", type, "BPE");
        }
        if (element.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
        {
            throw new NotSupportedException($"{source}: model BPE with dropout {dropout.GetDouble()} is not supported (dropout is for training; set it to null)");
        }

        var vocabElement = Property(element, "vocab", source, "model BPE");
        if (vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: model BPE \"vocab\" must be an object of token to id");
        }
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new InvalidDataException($"{source}: model BPE vocab entry \"{entry.Name}\" has no valid id ({entry.Value.GetRawText()})");
            }
            vocab[entry.Name] = id;
        }

        var merges = new List<(string, string)>();
        if (element.TryGetProperty("merges", out var mergesElement) && mergesElement.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (var merge in mergesElement.EnumerateArray())
            {
                merges.Add(ReadMerge(merge, source, index++));
            }
        }

        return new BytePairModel(
            vocab,
            merges,
            OptionalString(element, "unk_token"),
            Bool(element, "fuse_unk", false),
            Bool(element, "byte_fallback", false),
            Bool(element, "ignore_merges", false),
            OptionalString(element, "continuing_subword_prefix"),
            OptionalString(element, "end_of_word_suffix"),
            $"{source} model BPE");
    }

    public static IPostProcessor? ReadPostProcessor(JsonElement element, string source)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        string type = TypeOf(element, source, "post_processor");
        switch (type)
        {
            case "Sequence":
                return new PostProcessorSequence(
                    [.. Array(element, "processors", source, "post_processor Sequence").Select(e => ReadPostProcessor(e, source)).OfType<IPostProcessor>()]);
            case "ByteLevel":
                return new ByteLevelPostProcessor(Bool(element, "trim_offsets", true), Bool(element, "add_prefix_space", true));
            case "TemplateProcessing":
                return ReadTemplate(element, source);
            default:
                throw Unsupported(source, "post_processor", type, "Sequence, ByteLevel, TemplateProcessing");
        }
    }

    public static ITokenDecoder? ReadDecoder(JsonElement element, string source)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        string type = TypeOf(element, source, "decoder");
        return type switch
        {
            "Sequence" => new DecoderSequence(
                [.. Array(element, "decoders", source, "decoder Sequence").Select(e => ReadDecoder(e, source)).OfType<ITokenDecoder>()]),
            "ByteLevel" => new ByteLevelDecoder(),
            "Replace" => new ReplaceDecoder(
                TextPattern.FromJson(Property(element, "pattern", source, "decoder Replace"), $"{source} decoder Replace"),
                String(element, "content", source, "decoder Replace")),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Metaspace" => new MetaspaceDecoder(
                Replacement(element, source, "decoder Metaspace"),
                PrependScheme(element, source, "decoder Metaspace")),
            "Strip" => new StripDecoder(
                String(element, "content", source, "decoder Strip"),
                Int(element, "start", source, "decoder Strip"),
                Int(element, "stop", source, "decoder Strip")),
            _ => throw Unsupported(source, "decoder", type, "Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace"),
        };
    }

    public static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        var tokens = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return tokens;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: \"added_tokens\" must be a list");
        }
        foreach (var entry in list.EnumerateArray())
        {
            const string where = "added_tokens entry";
            int id = Int(entry, "id", source, where);
            string content = String(entry, "content", source, where);
            bool special = Bool(entry, "special", false);
            tokens.Add(new AddedToken(
                id,
                content,
                Bool(entry, "single_word", false),
                Bool(entry, "lstrip", false),
                Bool(entry, "rstrip", false),
                Bool(entry, "normalized", !special),
                special));
        }
        return tokens;
    }

    private static TemplatePostProcessor ReadTemplate(JsonElement element, string source)
    {
        const string where = "post_processor TemplateProcessing";
        var specialTokens = Property(element, "special_tokens", source, where);
        var items = new List<(int[] Ids, string[] Tokens)?>();
        foreach (var item in Array(element, "single", source, where))
        {
            if (item.TryGetProperty("SpecialToken", out var special))
            {
                string name = String(special, "id", source, where);
                if (!specialTokens.TryGetProperty(name, out var definition))
                {
                    throw new InvalidDataException($"{source}: {where} uses special token \"{name}\" that \"special_tokens\" does not define");
                }
                int[] ids = [.. Array(definition, "ids", source, where).Select(e => e.GetInt32())];
                string[] strings = [.. Array(definition, "tokens", source, where).Select(e => e.GetString() ?? "")];
                if (ids.Length != strings.Length)
                {
                    throw new InvalidDataException($"{source}: {where} special token \"{name}\" has {ids.Length} ids but {strings.Length} tokens");
                }
                items.Add((ids, strings));
            }
            else if (item.TryGetProperty("Sequence", out var sequence))
            {
                string id = String(sequence, "id", source, where);
                if (id != "A")
                {
                    throw new NotSupportedException($"{source}: {where} \"single\" refers to sequence \"{id}\"; only \"A\" exists for a single text");
                }
                items.Add(null);
            }
            else
            {
                throw new InvalidDataException($"{source}: {where} item {item.GetRawText()} is neither SpecialToken nor Sequence");
            }
        }
        return new TemplatePostProcessor(items);
    }

    private static (string, string) ReadMerge(JsonElement merge, string source, int index)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            // The legacy form "left right": tokens cannot contain a space there.
            string text = merge.GetString()!;
            int space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && space < text.Length - 1 && text.IndexOf(' ', space + 1) < 0)
            {
                return (text[..space], text[(space + 1)..]);
            }
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }
        throw new InvalidDataException($"{source}: model BPE merge {index} must be \"left right\" or [\"left\", \"right\"], found {merge.GetRawText()}");
    }

    private static char Replacement(JsonElement element, string source, string where)
    {
        string replacement = String(element, "replacement", source, where);
        return replacement.Length == 1
            ? replacement[0]
            : throw new InvalidDataException($"{source}: {where} \"replacement\" must be one character, found \"{replacement}\"");
    }

    /// <summary>prepend_scheme (default "always"); the older add_prefix_space false means "never".</summary>
    private static MetaspacePrependScheme PrependScheme(JsonElement element, string source, string where)
    {
        if (element.TryGetProperty("add_prefix_space", out var add) && add.ValueKind == JsonValueKind.False)
        {
            return MetaspacePrependScheme.Never;
        }
        string scheme = OptionalString(element, "prepend_scheme") ?? "always";
        return scheme switch
        {
            "always" => MetaspacePrependScheme.Always,
            "first" => MetaspacePrependScheme.First,
            "never" => MetaspacePrependScheme.Never,
            _ => throw Unsupported(source, $"{where} prepend_scheme", scheme, "always, first, never"),
        };
    }

    private static NotSupportedException Unsupported(string source, string section, string type, string supported) =>
        new($"{source}: {section} type \"{type}\" is not supported (supported: {supported})");

    private static string TypeOf(JsonElement element, string source, string section)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            return type.GetString()!;
        }
        throw new InvalidDataException($"{source}: {section} has no \"type\": {Truncate(element.GetRawText())}");
    }

    private static JsonElement Property(JsonElement element, string name, string source, string where)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value))
        {
            return value;
        }
        throw new InvalidDataException($"{source}: {where} has no \"{name}\"");
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name, string source, string where)
    {
        var value = Property(element, name, source, where);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: {where} \"{name}\" must be a list");
        }
        return value.EnumerateArray();
    }

    private static string String(JsonElement element, string name, string source, string where)
    {
        var value = Property(element, name, source, where);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{source}: {where} \"{name}\" must be a string, found {value.GetRawText()}");
    }

    private static int Int(JsonElement element, string name, string source, string where)
    {
        var value = Property(element, name, source, where);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)
            ? result
            : throw new InvalidDataException($"{source}: {where} \"{name}\" must be an integer, found {value.GetRawText()}");
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name, bool fallback) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : fallback;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <summary>A null entry inside a normalizer Sequence.</summary>
    private sealed class Identity : ITextNormalizer
    {
        public static readonly Identity Instance = new();

        public NormalizedText Normalize(NormalizedText text) => text;
    }

    /// <summary>A null entry inside a pre-tokenizer Sequence.</summary>
    private sealed class PassThrough : IPreTokenizer
    {
        public static readonly PassThrough Instance = new();

        public List<NormalizedText> PreTokenize(List<NormalizedText> pieces) => pieces;
    }
}
