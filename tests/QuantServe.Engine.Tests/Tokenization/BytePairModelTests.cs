using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Tests.Tokenization;

public sealed class BytePairModelTests
{
    [Fact]
    public void TokenWithMetaspaceInside_KeepsTheWordWhole()
    {
        // "a▁" is a token, so cutting the word before "▁" would lose the merge.
        var model = new BytePairModel(
            new Dictionary<string, int> { ["a"] = 0, ["\u2581"] = 1, ["b"] = 2, ["a\u2581"] = 3 },
            [("a", "\u2581")], null, false, false, false, null, null, "test");
        var output = new List<(int Id, int Start, int End)>();
        model.Tokenize("a\u2581b", output);
        output.Should().Equal((3, 0, 2), (2, 2, 3));
    }

    [Fact]
    public void EqualRanks_MergeLeftmostFirst()
    {
        // "aaa" with the single merge "a a": the left pair merges, the last "a" stays.
        var model = new BytePairModel(
            new Dictionary<string, int> { ["a"] = 0, ["aa"] = 1 },
            [("a", "a")], null, false, false, false, null, null, "test");
        var output = new List<(int Id, int Start, int End)>();
        model.Tokenize("aaa", output);
        output.Should().Equal((1, 0, 2), (0, 2, 3));
    }

    [Fact]
    public void UnknownCharacters_FuseIntoOneUnknownWhenAsked()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["a"] = 1 };
        var fused = new List<(int Id, int Start, int End)>();
        new BytePairModel(vocab, [], "<unk>", true, false, false, null, null, "test").Tokenize("a\u00e9\u00e8a", fused);
        fused.Should().Equal((1, 0, 1), (0, 1, 3), (1, 3, 4));
        var separate = new List<(int Id, int Start, int End)>();
        new BytePairModel(vocab, [], "<unk>", false, false, false, null, null, "test").Tokenize("a\u00e9\u00e8a", separate);
        separate.Should().Equal((1, 0, 1), (0, 1, 2), (0, 2, 3), (1, 3, 4));
    }
}
