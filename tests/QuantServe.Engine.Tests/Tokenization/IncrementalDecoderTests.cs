namespace QuantServe.Engine.Tests.Tokenization;

public sealed class IncrementalDecoderTests
{
    public static TheoryData<string, bool> TokenizersAndSkipModes => new()
    {
        { ReferenceTokenizers.Llama2, true },
        { ReferenceTokenizers.Llama2, false },
        { ReferenceTokenizers.Llama3, true },
        { ReferenceTokenizers.Llama3, false },
        { ReferenceTokenizers.Qwen3, true },
        { "llama2-metaspace-first", true },
        { "llama2-metaspace-always-split", false },
    };

    [Theory]
    [MemberData(nameof(TokenizersAndSkipModes))]
    public void PushedPieces_ConcatenateToTheFullDecode(string name, bool skipSpecialTokens)
    {
        var tokenizer = ReferenceTokenizers.Get(name);
        foreach (string text in ReferenceTokenizers.CorpusTexts)
        {
            var ids = tokenizer.Encode(text);
            var decoder = tokenizer.CreateIncrementalDecoder(skipSpecialTokens);
            var pieces = new List<string>();
            foreach (int id in ids)
            {
                string piece = decoder.Push(id);
                pieces.Add(piece);
                piece.Should().NotEndWith("\uFFFD", "an incomplete character is held back");
                if (piece.Length > 0)
                {
                    char.IsHighSurrogate(piece[^1]).Should().BeFalse("half a character is never emitted");
                }
            }
            pieces.Add(decoder.Flush());
            string expected = tokenizer.Decode(ids, skipSpecialTokens);
            string.Concat(pieces).Should().Be(expected, $"streaming {System.Text.Json.JsonSerializer.Serialize(text)}");
            decoder.Text.Should().Be(expected);
        }
    }

    [Fact]
    public void EmojiSplitAcrossTokens_IsEmittedWhenComplete()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        var ids = tokenizer.Encode("👨", addSpecialTokens: false);
        ids.Length.Should().BeGreaterThan(1, "the emoji's four bytes span several tokens");
        var decoder = tokenizer.CreateIncrementalDecoder();
        var pieces = ids.Select(decoder.Push).ToList();
        pieces.Take(ids.Length - 1).Should().OnlyContain(p => p.Length == 0);
        pieces[^1].Should().Be("👨");
    }

    [Fact]
    public void ByteFallbackEmoji_IsEmittedWhenComplete()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama2);
        var ids = tokenizer.Encode("a 👨", addSpecialTokens: false);
        ids.TakeLast(4).Select(id => tokenizer.IdToToken(id)).Should().Equal("<0xF0>", "<0x9F>", "<0x91>", "<0xA8>");
        var decoder = tokenizer.CreateIncrementalDecoder();
        var pieces = ids.Select(decoder.Push).ToList();
        pieces.TakeLast(4).Should().Equal("", "", "", "👨");
        string.Concat(pieces).Should().Be("a 👨");
    }

    [Fact]
    public void Flush_EmitsAnIncompleteCharacterAsTheFullDecodeDoes()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        var partial = tokenizer.Encode("x👨", addSpecialTokens: false).SkipLast(1).ToArray();
        var decoder = tokenizer.CreateIncrementalDecoder();
        string pushed = string.Concat(partial.Select(decoder.Push));
        pushed.Should().Be("x");
        decoder.Flush().Should().Be("\uFFFD");
        decoder.Text.Should().Be(tokenizer.Decode(partial));
    }

    [Fact]
    public void SpecialTokens_AreSkippedOrShownAsAsked()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        tokenizer.CreateIncrementalDecoder().Push(128000).Should().BeEmpty();
        tokenizer.CreateIncrementalDecoder(skipSpecialTokens: false).Push(128000).Should().Be("<|begin_of_text|>");
    }

    [Fact]
    public void LongStream_KeepsMatchingTheFullDecode()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Qwen3);
        string text = string.Concat(Enumerable.Range(0, 400).Select(i => $"word{i} 😀 中文 "));
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        ids.Length.Should().BeGreaterThan(2000, "the decoder's window is compacted past 1024 ids");
        var decoder = tokenizer.CreateIncrementalDecoder();
        foreach (int id in ids)
        {
            decoder.Push(id);
        }
        decoder.Flush();
        decoder.Text.Should().Be(text);
    }
}
