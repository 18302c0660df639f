using System.Text.Json;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json (+ tokenizer_config.json) tokenizer: byte-level BPE (GPT-2, Llama 3,
/// Qwen) and SentencePiece-style BPE with byte fallback (Llama 2, Mistral). It gives the ids of
/// Hugging Face's Rust library: added tokens are split out first, the rest is normalized,
/// pre-tokenized, run through BPE and post-processed.
/// </summary>
public sealed class Tokenizer
{
    private const string TokenizerFile = "tokenizer.json";
    private const string ConfigFile = "tokenizer_config.json";

    private readonly ITextNormalizer? normalizer;
    private readonly IPreTokenizer? preTokenizer;
    private readonly BytePairModel model;
    private readonly IPostProcessor? postProcessor;
    private readonly ITokenDecoder? decoder;
    private readonly AddedTokenMatcher rawMatcher;
    private readonly AddedTokenMatcher normalizedMatcher;
    private readonly Dictionary<int, AddedToken> addedById = [];
    private readonly Dictionary<string, int> addedByContent = new(StringComparer.Ordinal);
    private readonly HashSet<string> specialContents = new(StringComparer.Ordinal);

    private Tokenizer(ReadOnlyMemory<byte> tokenizerJson, string? configJson, string tokenizerSource, string configSource)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(tokenizerJson, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{tokenizerSource}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{tokenizerSource}: expected a JSON object at the top level, found {root.ValueKind}");
            }
            JsonElement Section(string name) => root.TryGetProperty(name, out var value) ? value : default;
            bool Present(string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

            model = TokenizerJsonReader.ReadModel(Section("model"), tokenizerSource);
            normalizer = Present("normalizer") ? TokenizerJsonReader.ReadNormalizer(Section("normalizer"), tokenizerSource) : null;
            preTokenizer = Present("pre_tokenizer") ? TokenizerJsonReader.ReadPreTokenizer(Section("pre_tokenizer"), tokenizerSource) : null;
            postProcessor = Present("post_processor") ? TokenizerJsonReader.ReadPostProcessor(Section("post_processor"), tokenizerSource) : null;
            decoder = Present("decoder") ? TokenizerJsonReader.ReadDecoder(Section("decoder"), tokenizerSource) : null;
            // As HF's add_tokens: a content the model vocabulary already has keeps the model's id.
            var added = TokenizerJsonReader.ReadAddedTokens(root, tokenizerSource)
                .Select(t => model.Vocab.TryGetValue(t.Content, out int vocabId) && vocabId != t.Id ? t with { Id = vocabId } : t)
                .ToList();

            foreach (var token in added)
            {
                addedById[token.Id] = token;
                addedByContent.TryAdd(token.Content, token.Id);
                if (token.Special)
                {
                    specialContents.Add(token.Content);
                }
            }
            rawMatcher = new AddedTokenMatcher(added.Where(t => !t.Normalized).Select(t => (t.Content, t)));
            // Normalized added tokens are looked for in normalized text, so their pattern is normalized too.
            normalizedMatcher = new AddedTokenMatcher(added.Where(t => t.Normalized)
                .Select(t => (normalizer?.Normalize(NormalizedText.FromOriginal(t.Content)).Text ?? t.Content, t)));
        }

        int maxId = -1;
        foreach (var id in model.Vocab.Values)
        {
            maxId = Math.Max(maxId, id);
        }
        foreach (var id in addedById.Keys)
        {
            maxId = Math.Max(maxId, id);
        }
        VocabSize = maxId + 1;

        var config = configJson is null ? TokenizerConfig.Empty : TokenizerConfig.Parse(configJson, configSource);
        var leading = postProcessor?.LeadingSpecialIds ?? [];
        if (config.HasBosToken)
        {
            BosToken = config.BosToken;
            BosTokenId = BosToken is null ? null : TokenToId(BosToken);
        }
        else if (leading.Count > 0)
        {
            BosTokenId = leading[0];
            BosToken = IdToToken(leading[0]);
        }
        AddBosToken = config.AddBosToken ?? leading.Count > 0;
        EosToken = config.EosToken;
        EosTokenIds = EosToken is not null && TokenToId(EosToken) is int eosId ? [eosId] : [];
        ChatTemplate = config.ChatTemplate;
    }

    /// <summary>Largest token id + 1, added tokens included: the rows an embedding needs.</summary>
    public int VocabSize { get; }

    public int? BosTokenId { get; }

    public string? BosToken { get; }

    /// <summary>The ids of tokenizer_config.json's eos_token (empty when it has none).</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    public string? EosToken { get; }

    /// <summary>Whether a bos token starts an encoding: tokenizer_config.json's add_bos_token, else what the post-processor adds.</summary>
    public bool AddBosToken { get; }

    /// <summary>tokenizer_config.json's chat_template (its "default" entry when it is a list).</summary>
    public string? ChatTemplate { get; }

    /// <summary>Loads tokenizer.json (required) and tokenizer_config.json (optional) from a directory.</summary>
    public static Tokenizer Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Tokenizer directory {directory} does not exist");
        }
        string tokenizerPath = Path.Combine(directory, TokenizerFile);
        if (!File.Exists(tokenizerPath))
        {
            throw new FileNotFoundException(
                $"{tokenizerPath} not found: a model directory needs the Hugging Face {TokenizerFile} (QuantServe does not read tokenizer.model or vocab.json/merges.txt)",
                tokenizerPath);
        }
        string configPath = Path.Combine(directory, ConfigFile);
        string? config = File.Exists(configPath) ? File.ReadAllText(configPath) : null;
        byte[] json = File.ReadAllBytes(tokenizerPath);
        // Editors on Windows may save a UTF-8 byte order mark, which the JSON parser would reject.
        int bom = json.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        return new Tokenizer(json.AsMemory(bom), config, tokenizerPath, configPath);
    }

    public static Tokenizer FromJson(string tokenizerJson, string? tokenizerConfigJson = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        return new Tokenizer(System.Text.Encoding.UTF8.GetBytes(tokenizerJson), tokenizerConfigJson, TokenizerFile, ConfigFile);
    }

    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        var tokens = EncodeTokens(text, addSpecialTokens);
        var ids = new int[tokens.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = tokens[i].Id;
        }
        return ids;
    }

    public IReadOnlyList<TokenSpan> EncodeWithOffsets(string text, bool addSpecialTokens = true)
    {
        var tokens = EncodeTokens(text, addSpecialTokens);
        var spans = new TokenSpan[tokens.Count];
        for (int i = 0; i < spans.Length; i++)
        {
            spans[i] = new TokenSpan(tokens[i].Id, tokens[i].Start, tokens[i].Stop);
        }
        return spans;
    }

    /// <summary>Decodes ids (unknown ids are left out, as HF does); special tokens are left out unless asked for.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            string? token = IdToToken(id);
            if (token is null || (skipSpecialTokens && specialContents.Contains(token)))
            {
                continue;
            }
            tokens.Add(token);
        }
        return decoder is null ? string.Join(' ', tokens) : string.Concat(decoder.DecodeChain(tokens));
    }

    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) => new(this, skipSpecialTokens);

    /// <summary>Whether the id is a special added token (skipped by Decode unless asked for).</summary>
    public bool IsSpecial(int id) => addedById.TryGetValue(id, out var token) && token.Special;

    public string? IdToToken(int id) => addedById.TryGetValue(id, out var token) ? token.Content : model.IdToToken(id);

    public int? TokenToId(string token) =>
        addedByContent.TryGetValue(token, out int id) ? id : model.Vocab.TryGetValue(token, out id) ? id : null;

    /// <summary>Whether Decode with skipSpecialTokens leaves this id out (HF compares the token text).</summary>
    internal bool IsSkippedAsSpecial(int id) => IdToToken(id) is { } token && specialContents.Contains(token);

    private List<EncodedToken> EncodeTokens(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var original = NormalizedText.FromOriginal(text);
        var tokens = new List<EncodedToken>(text.Length / 3 + 4);
        var modelOutput = new List<(int Id, int Start, int End)>();

        foreach (var (rawToken, rawStart, rawEnd) in rawMatcher.Split(text))
        {
            if (rawToken is not null)
            {
                var (start, stop) = original.OriginalRange(rawStart, rawEnd);
                tokens.Add(new EncodedToken(rawToken.Id, start, stop, text[rawStart..rawEnd]));
                continue;
            }
            var piece = original.Slice(rawStart, rawEnd);
            if (piece.Length == 0)
            {
                continue;
            }
            var normalized = normalizer?.Normalize(piece) ?? piece;
            foreach (var (token, start, end) in normalizedMatcher.Split(normalized.Text))
            {
                if (token is not null)
                {
                    var (tokenStart, tokenStop) = normalized.OriginalRange(start, end);
                    tokens.Add(new EncodedToken(token.Id, tokenStart, tokenStop, normalized.Text[start..end]));
                    continue;
                }
                if (end == start)
                {
                    continue;
                }
                var words = new List<NormalizedText> { normalized.Slice(start, end) };
                if (preTokenizer is not null)
                {
                    words = preTokenizer.PreTokenize(words);
                }
                foreach (var word in words)
                {
                    modelOutput.Clear();
                    model.Tokenize(word.Text, modelOutput);
                    foreach (var (id, wordStart, wordEnd) in modelOutput)
                    {
                        var (tokenStart, tokenStop) = word.OriginalRange(wordStart, wordEnd);
                        tokens.Add(new EncodedToken(id, tokenStart, tokenStop, model.IdToToken(id) ?? ""));
                    }
                }
            }
        }
        return postProcessor?.Process(tokens, addSpecialTokens) ?? tokens;
    }
}
