using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Tests.Tokenization;

public sealed class SyntheticTokenizerTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "quantserve-synthetic-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void WrittenFiles_LoadWithTheAdvertisedVocabularyAndSpecialTokens()
    {
        SyntheticTokenizer.WriteByteLevel(directory);
        var tokenizer = Tokenizer.Load(directory);

        tokenizer.VocabSize.Should().Be(SyntheticTokenizer.VocabSize);
        tokenizer.BosToken.Should().Be("<|begin_of_text|>");
        tokenizer.BosTokenId.Should().Be(SyntheticTokenizer.VocabSize - 2);
        tokenizer.EosToken.Should().Be("<|end_of_text|>");
        tokenizer.EosTokenIds.Should().Equal(SyntheticTokenizer.VocabSize - 1);
        tokenizer.AddBosToken.Should().BeTrue();
        tokenizer.ChatTemplate.Should().Contain("bos_token").And.Contain("eos_token");
        tokenizer.IsSpecial(SyntheticTokenizer.VocabSize - 1).Should().BeTrue();
    }

    [Fact]
    public void ByteTokens_AreIdsZeroTo255InByteOrder()
    {
        SyntheticTokenizer.WriteByteLevel(directory);
        var tokenizer = Tokenizer.Load(directory);
        for (int b = 0; b < 256; b++)
        {
            tokenizer.Decode([b]).Should().Be(b < 0x80 ? ((char)b).ToString() : "\uFFFD", $"id {b} is byte {b}");
        }
        tokenizer.Encode("\u00E9", addSpecialTokens: false).Should().Equal(0xC3, 0xA9);
    }

    [Theory]
    [InlineData("Hello world, the cat sat on the mat.")]
    [InlineData("  leading spaces and\ttabs\r\nand lines\n")]
    [InlineData("Unicode: café 東京 😀 👨‍👩‍👧 e\u0301")]
    [InlineData("")]
    public void Text_RoundTripsWithBosFirst(string text)
    {
        SyntheticTokenizer.WriteByteLevel(directory);
        var tokenizer = Tokenizer.Load(directory);
        var ids = tokenizer.Encode(text);
        ids[0].Should().Be(tokenizer.BosTokenId);
        ids.Should().OnlyContain(id => id >= 0 && id < SyntheticTokenizer.VocabSize);
        tokenizer.Decode(ids).Should().Be(text);
    }

    [Fact]
    public void Merges_JoinCommonPairs()
    {
        SyntheticTokenizer.WriteByteLevel(directory);
        var tokenizer = Tokenizer.Load(directory);
        var ids = tokenizer.Encode(" the", addSpecialTokens: false);
        ids.Should().ContainSingle();
        tokenizer.IdToToken(ids[0]).Should().Be("\u0120the");
        tokenizer.Encode("the cat", addSpecialTokens: false).Length.Should().BeLessThan("the cat".Length);
    }

    [Fact]
    public void SpecialTokensInText_AreSplitOut()
    {
        SyntheticTokenizer.WriteByteLevel(directory);
        var tokenizer = Tokenizer.Load(directory);
        var ids = tokenizer.Encode("hi<|end_of_text|>", addSpecialTokens: false);
        ids[^1].Should().Be(SyntheticTokenizer.VocabSize - 1);
        tokenizer.Decode(ids).Should().Be("hi");
    }
}
