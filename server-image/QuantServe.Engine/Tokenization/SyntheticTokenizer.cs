using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QuantServe.Engine.Tokenization;

/// <summary>
/// Writes a small but complete byte-level BPE tokenizer (Llama 3's layout) for random test models:
/// ids 0..255 are the 256 byte symbols (id = byte value), then merged tokens of common English pairs,
/// then &lt;|begin_of_text|&gt; and &lt;|end_of_text|&gt;. Any text encodes, and decodes back unchanged.
/// </summary>
public static class SyntheticTokenizer
{
    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfText = "<|end_of_text|>";

    /// <summary>Llama 3's pre-tokenizer split.</summary>
    private const string SplitRegex =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Merges in rank order, written with "Ġ" for a leading space; each one's result is a token.</summary>
    private static readonly (string Left, string Right)[] Merges =
    [
        ("Ġ", "t"), ("h", "e"), ("i", "n"), ("r", "e"), ("o", "n"), ("Ġt", "he"), ("e", "r"), ("Ġ", "a"),
        ("a", "n"), ("Ġ", "s"), ("o", "u"), ("Ġ", "w"), ("i", "s"), ("e", "n"), ("i", "t"), ("Ġ", "o"),
        ("in", "g"), ("Ġ", "c"), ("a", "t"), ("e", "d"), ("Ġa", "n"), ("Ġan", "d"), ("o", "r"), ("Ġ", "b"),
        ("Ġ", "f"), ("Ġ", "h"), ("l", "l"), ("Ġo", "f"), ("Ġ", "i"), ("Ġt", "o"), ("Ġ", "m"), ("Ġ", "p"),
    ];

    private const string ChatTemplateText =
        "{% for message in messages %}{% if loop.index0 == 0 %}{{ bos_token }}{% endif %}"
        + "{{ message['role'] + '\\n\\n' + message['content'] | trim + eos_token }}{% endfor %}"
        + "{% if add_generation_prompt %}{{ 'assistant\\n\\n' }}{% endif %}";

    /// <summary>Ids: 256 bytes, the merged tokens, then the two special tokens.</summary>
    public static int VocabSize => 256 + Merges.Length + 2;

    public static int BeginOfTextId => 256 + Merges.Length;

    public static int EndOfTextId => 256 + Merges.Length + 1;

    /// <summary>Writes tokenizer.json and tokenizer_config.json into the directory (created if needed).</summary>
    public static void WriteByteLevel(string directory)
    {
        Directory.CreateDirectory(directory);
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), BuildTokenizerJson().ToJsonString(options));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), BuildConfigJson().ToJsonString(options));
    }

    private static JsonObject BuildTokenizerJson()
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevelAlphabet.ByteToChar[b].ToString()] = b;
        }
        var merges = new JsonArray();
        for (int i = 0; i < Merges.Length; i++)
        {
            var (left, right) = Merges[i];
            vocab[left + right] = 256 + i;
            merges.Add(new JsonArray(left, right));
        }

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
            ["added_tokens"] = new JsonArray(Added(BeginOfTextId, BeginOfText), Added(EndOfTextId, EndOfText)),
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
                        ["ids"] = new JsonArray(BeginOfTextId),
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
                ["merges"] = merges,
            },
        };
    }

    private static JsonObject BuildConfigJson() => new()
    {
        ["add_bos_token"] = true,
        ["add_eos_token"] = false,
        ["bos_token"] = BeginOfText,
        ["eos_token"] = EndOfText,
        ["clean_up_tokenization_spaces"] = false,
        ["model_max_length"] = 2048,
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
        ["chat_template"] = ChatTemplateText,
    };
}
