using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Writes a byte-level BPE (trained, or the synthetic one of test models) as tokenizer.json +
/// tokenizer_config.json in Llama 3's layout:
/// ids 0..255 are the bytes (id = byte value), then one id per merge in rank order, then
/// &lt;|begin_of_text|&gt; and &lt;|end_of_text|&gt; as special added tokens.
/// </summary>
public static class ByteLevelTokenizerWriter
{
    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfText = "<|end_of_text|>";

    /// <summary>Llama 3's pre-tokenizer split.</summary>
    public const string SplitRegex =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string ChatTemplateText =
        "{% for message in messages %}{% if loop.index0 == 0 %}{{ bos_token }}{% endif %}"
        + "{{ message['role'] + '\\n\\n' + message['content'] | trim + eos_token }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ 'assistant\\n\\n' }}{% endif %}";

    public static int BeginOfTextId(int mergeCount) => 256 + mergeCount;

    public static int EndOfTextId(int mergeCount) => 256 + mergeCount + 1;

    public static void Write(string directory, IReadOnlyList<(string Left, string Right)> merges, int modelMaxLength)
    {
        Directory.CreateDirectory(directory);
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), BuildTokenizerJson(merges).ToJsonString(options) + "\n");
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), BuildConfigJson(modelMaxLength).ToJsonString(options) + "\n");
    }

    private static JsonObject BuildTokenizerJson(IReadOnlyList<(string Left, string Right)> merges)
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++)
            vocab[ByteLevelAlphabet.ByteToChar[b].ToString()] = b;
        var mergeArray = new JsonArray();
        for (int i = 0; i < merges.Count; i++)
        {
            var (left, right) = merges[i];
            if (vocab.ContainsKey(left + right))
                throw new InvalidOperationException($"merge {i} ('{left}' + '{right}') produces a token that already exists");
            vocab[left + right] = 256 + i;
            mergeArray.Add(new JsonArray(left, right));
        }
        int bos = BeginOfTextId(merges.Count);
        int eos = EndOfTextId(merges.Count);

        JsonObject Added(int id, string content) => new()
        {
            ["id"] = id,
            ["content"] = content,
            ["single_word"] = false,
            ["lstrip"] = false,
            ["rstrip"] = false,
            ["normalized"] = false,
            ["special"] = true,
        };

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(bos, BeginOfText), Added(eos, EndOfText)),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = SplitRegex },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject
                    {
                        ["type"] = "ByteLevel",
                        ["add_prefix_space"] = false,
                        ["trim_offsets"] = true,
                        ["use_regex"] = false,
                    }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = BeginOfText, ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = BeginOfText, ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = BeginOfText, ["type_id"] = 1 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject
                {
                    [BeginOfText] = new JsonObject
                    {
                        ["id"] = BeginOfText,
                        ["ids"] = new JsonArray(bos),
                        ["tokens"] = new JsonArray(BeginOfText),
                    },
                },
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "ByteLevel",
                ["add_prefix_space"] = true,
                ["trim_offsets"] = true,
                ["use_regex"] = true,
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = true,
                ["vocab"] = vocab,
                ["merges"] = mergeArray,
            },
        };
    }

    private static JsonObject BuildConfigJson(int modelMaxLength) => new()
    {
        ["add_bos_token"] = true,
        ["add_eos_token"] = false,
        ["bos_token"] = BeginOfText,
        ["eos_token"] = EndOfText,
        ["clean_up_tokenization_spaces"] = false,
        ["model_max_length"] = modelMaxLength,
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
        ["chat_template"] = ChatTemplateText,
    };
}
