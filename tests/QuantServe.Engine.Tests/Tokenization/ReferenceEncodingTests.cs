using System.Text.Json;
using System.Text.Json.Nodes;

namespace QuantServe.Engine.Tests.Tokenization;

/// <summary>
/// Compares with Hugging Face's Rust tokenizers on the real Llama 2 (Mistral), Llama 3 and Qwen 3
/// files, plus variants with added-token flags and a bos-adding template: ids with and without
/// special tokens, byte offsets, and decoding with and without special tokens.
/// </summary>
public sealed class ReferenceEncodingTests
{
    public static TheoryData<string> Names => [.. ReferenceTokenizers.ReferenceNames];

    [Theory]
    [MemberData(nameof(Names))]
    public void Encode_GivesTheRustLibrarysIds(string name) =>
        CompareCases(name, (tokenizer, c) =>
        {
            var expected = Ints(c["ids"]);
            var actual = tokenizer.Encode(Text(c));
            return expected.SequenceEqual(actual) ? null : $"ids {Show(actual)}, expected {Show(expected)}";
        });

    [Theory]
    [MemberData(nameof(Names))]
    public void EncodeWithoutSpecialTokens_GivesTheRustLibrarysIds(string name) =>
        CompareCases(name, (tokenizer, c) =>
        {
            var expected = Ints(c["idsWithoutSpecialTokens"]);
            var actual = tokenizer.Encode(Text(c), addSpecialTokens: false);
            return expected.SequenceEqual(actual) ? null : $"ids {Show(actual)}, expected {Show(expected)}";
        });

    [Theory]
    [MemberData(nameof(Names))]
    public void EncodeWithOffsets_GivesTheRustLibrarysByteOffsets(string name) =>
        CompareCases(name, (tokenizer, c) =>
        {
            var spans = tokenizer.EncodeWithOffsets(Text(c));
            if (c["offsets"] is not JsonArray offsets)
            {
                // Not comparable (see make-reference.js): checked by TrimmedOffsets_CountBytesAsTgiDoes.
                return null;
            }
            var expected = offsets.Select(o => (o![0]!.GetValue<int>(), o[1]!.GetValue<int>())).ToArray();
            var actual = spans.Select(s => (s.Start, s.Stop)).ToArray();
            if (!spans.Select(s => s.Id).SequenceEqual(Ints(c["ids"])))
            {
                return "ids differ from Encode's";
            }
            return expected.SequenceEqual(actual) ? null : $"offsets {string.Join(' ', actual)}, expected {string.Join(' ', expected)}";
        });

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_GivesTheRustLibrarysText(string name) =>
        CompareCases(name, (tokenizer, c) =>
        {
            var ids = Ints(c["ids"]);
            string skipped = tokenizer.Decode(ids);
            string kept = tokenizer.Decode(ids, skipSpecialTokens: false);
            return Same(skipped, c["decoded"]) + Same(kept, c["decodedWithSpecialTokens"]) is { Length: > 0 } error ? error : null;
        });

    [Theory]
    [MemberData(nameof(Names))]
    public void DecodeOfArbitraryIds_GivesTheRustLibrarysText(string name)
    {
        var tokenizer = ReferenceTokenizers.Get(name);
        var failures = new List<string>();
        foreach (var c in ReferenceTokenizers.Entry(name)["decodeCases"]!.AsArray())
        {
            var ids = Ints(c!["ids"]);
            string error = Same(tokenizer.Decode(ids), c["decoded"]) + Same(tokenizer.Decode(ids, skipSpecialTokens: false), c["decodedWithSpecialTokens"]);
            if (error.Length > 0)
            {
                failures.Add($"{Show(ids)}: {error}");
            }
        }
        failures.Should().BeEmpty($"{name} must decode as Hugging Face's Rust tokenizers do");
    }

    private static void CompareCases(string name, Func<QuantServe.Engine.Tokenization.Tokenizer, JsonNode, string?> check)
    {
        var tokenizer = ReferenceTokenizers.Get(name);
        var cases = ReferenceTokenizers.Entry(name)["cases"]!.AsArray();
        cases.Count.Should().BeGreaterThan(100);
        var failures = new List<string>();
        foreach (var c in cases)
        {
            if (check(tokenizer, c!) is { } failure)
            {
                failures.Add($"{JsonSerializer.Serialize(Text(c!))}: {failure}");
            }
        }
        failures.Should().BeEmpty($"{name} must match Hugging Face's Rust tokenizers on every text");
    }

    private static string Same(string actual, JsonNode? expected)
    {
        string wanted = expected!.GetValue<string>();
        return actual == wanted ? "" : $"decoded {JsonSerializer.Serialize(actual)}, expected {JsonSerializer.Serialize(wanted)}. ";
    }

    private static string Text(JsonNode c) => c["text"]!.GetValue<string>();

    private static int[] Ints(JsonNode? array) => [.. array!.AsArray().Select(n => n!.GetValue<int>())];

    private static string Show(IEnumerable<int> ids) => "[" + string.Join(',', ids) + "]";
}
