using System.Text;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Tests.Tokenization;

public sealed class TokenizerBehaviourTests
{
    [Fact]
    public void ByteLevelWithoutNormalizer_DecodeOfEncodeGivesBackEveryCorpusText()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        foreach (string text in ReferenceTokenizers.CorpusTexts)
        {
            tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false), skipSpecialTokens: false)
                .Should().Be(text, "byte-level BPE loses nothing");
        }
    }

    [Fact]
    public void ByteLevelWithNfc_DecodeOfEncodeGivesBackTheNfcText()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Qwen3);
        foreach (string text in ReferenceTokenizers.CorpusTexts)
        {
            tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false), skipSpecialTokens: false)
                .Should().Be(CanonicalNormalizer.Normalize(text, compose: true));
        }
    }

    [Theory]
    [InlineData(ReferenceTokenizers.Llama2)]
    [InlineData(ReferenceTokenizers.Llama3)]
    [InlineData(ReferenceTokenizers.Qwen3)]
    public void Offsets_SliceTheInputIntoTheTokensText(string name)
    {
        var tokenizer = ReferenceTokenizers.Get(name);
        const string text = "The quick brown fox: 123 + 456 = 579.\nNext line, 世界!";
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var spans = tokenizer.EncodeWithOffsets(text, addSpecialTokens: false);
        spans.Should().NotBeEmpty();
        spans[0].Start.Should().Be(0);
        spans[^1].Stop.Should().Be(utf8.Length);
        foreach (var span in spans)
        {
            string slice = Encoding.UTF8.GetString(utf8, span.Start, span.Stop - span.Start);
            // SentencePiece decoding drops a token's leading space; compare without it.
            slice.TrimStart(' ').Should().Be(tokenizer.Decode([span.Id]).TrimStart(' '), $"token {span.Id} covers bytes {span.Start}..{span.Stop}");
        }
    }

    [Fact]
    public void SpecialTokenAddedByThePostProcessor_HasEmptyOffsets()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama2);
        var spans = tokenizer.EncodeWithOffsets("Hello");
        spans[0].Should().Be(new TokenSpan(1, 0, 0));
        spans.Skip(1).Should().OnlyContain(s => s.Stop > s.Start);
    }

    [Fact]
    public void Decode_SkipsSpecialTokensUnlessAsked()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        int[] ids = [128000, .. tokenizer.Encode("Hello", addSpecialTokens: false), 128001];
        tokenizer.Decode(ids).Should().Be("Hello");
        tokenizer.Decode(ids, skipSpecialTokens: false).Should().Be("<|begin_of_text|>Hello<|end_of_text|>");
    }

    [Fact]
    public void SpecialTokenWrittenInText_IsOneToken()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Qwen3);
        var ids = tokenizer.Encode("<|im_start|>user", addSpecialTokens: false);
        ids[0].Should().Be(tokenizer.TokenToId("<|im_start|>"));
        tokenizer.IsSpecial(ids[0]).Should().BeTrue();
    }

    [Fact]
    public void Llama2_ReadsItsSpecialTokensFromTheConfig()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama2);
        tokenizer.VocabSize.Should().Be(32000);
        tokenizer.BosToken.Should().Be("<s>");
        tokenizer.BosTokenId.Should().Be(1);
        tokenizer.EosToken.Should().Be("</s>");
        tokenizer.EosTokenIds.Should().Equal(2);
        tokenizer.AddBosToken.Should().BeTrue();
        tokenizer.Encode("Hi")[0].Should().Be(1);
    }

    [Fact]
    public void Llama3_HasItsChatTemplateAndNoBosFromThisPostProcessor()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        tokenizer.VocabSize.Should().Be(128256);
        tokenizer.BosTokenId.Should().Be(128000);
        tokenizer.EosTokenIds.Should().Equal(128001);
        // This file's post-processor is plain ByteLevel and its config has no add_bos_token.
        tokenizer.AddBosToken.Should().BeFalse();
        tokenizer.Encode("Hi").Should().NotContain(128000);
        tokenizer.ChatTemplate.Should().Contain("<|start_header_id|>");
    }

    [Fact]
    public void Llama3WithTemplateProcessing_AddsBos()
    {
        var tokenizer = ReferenceTokenizers.Get("llama3-template-bos");
        tokenizer.AddBosToken.Should().BeTrue();
        tokenizer.Encode("Hi")[0].Should().Be(128000);
        tokenizer.Encode("Hi", addSpecialTokens: false).Should().NotContain(128000);
    }

    [Fact]
    public void Qwen3_HasNoBosAndEndsTurnsWithImEnd()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Qwen3);
        tokenizer.VocabSize.Should().Be(151669);
        tokenizer.BosToken.Should().BeNull();
        tokenizer.BosTokenId.Should().BeNull();
        tokenizer.AddBosToken.Should().BeFalse();
        tokenizer.EosToken.Should().Be("<|im_end|>");
        tokenizer.EosTokenIds.Should().Equal(151645);
        tokenizer.IsSpecial(151643).Should().BeTrue();
        tokenizer.IsSpecial(151668).Should().BeFalse("</think> is an added token that is not special");
        tokenizer.IsSpecial(100).Should().BeFalse();
        tokenizer.ChatTemplate.Should().Contain("<|im_start|>");
    }

    [Fact]
    public void IdToTokenAndTokenToId_AreInverse()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        foreach (int id in new[] { 0, 1000, 127999, 128000, 128255 })
        {
            tokenizer.TokenToId(tokenizer.IdToToken(id)!).Should().Be(id);
        }
        tokenizer.IdToToken(-1).Should().BeNull();
        tokenizer.IdToToken(tokenizer.VocabSize).Should().BeNull();
        tokenizer.TokenToId("no such token \u0000").Should().BeNull();
    }

    [Fact]
    public void LongText_EncodesAndDecodesBack()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Llama3);
        var builder = new StringBuilder();
        for (int i = 0; builder.Length < 100_000; i++)
        {
            builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"Paragraph {i}: the café costs {i * 7 % 100} € — 東京 😀.\n\t");
        }
        string text = builder.ToString();
        var ids = tokenizer.Encode(text, addSpecialTokens: false);
        ids.Length.Should().BeGreaterThan(20_000);
        tokenizer.Decode(ids).Should().Be(text);
    }

    [Fact]
    public void EmptyText_GivesOnlyThePostProcessorsTokens()
    {
        ReferenceTokenizers.Get(ReferenceTokenizers.Llama2).Encode("").Should().Equal(1);
        ReferenceTokenizers.Get(ReferenceTokenizers.Llama3).Encode("").Should().BeEmpty();
        ReferenceTokenizers.Get(ReferenceTokenizers.Llama2).EncodeWithOffsets("", addSpecialTokens: false).Should().BeEmpty();
    }

    [Fact]
    public void LoneSurrogate_IsEncodedAsTheReplacementCharacter()
    {
        foreach (string name in new[] { ReferenceTokenizers.Llama2, ReferenceTokenizers.Llama3, ReferenceTokenizers.Qwen3 })
        {
            var tokenizer = ReferenceTokenizers.Get(name);
            var spans = tokenizer.EncodeWithOffsets("a\uD800b", addSpecialTokens: false);
            tokenizer.Decode([.. spans.Select(s => s.Id)]).Should().Be("a\uFFFDb", name);
            spans[^1].Stop.Should().Be(5, "the lone surrogate counts as the 3 bytes of U+FFFD");
        }
    }

    [Fact]
    public void ConcurrentEncoding_GivesTheSameIdsAsSequential()
    {
        var tokenizer = ReferenceTokenizers.Get(ReferenceTokenizers.Qwen3);
        var texts = ReferenceTokenizers.CorpusTexts.ToArray();
        var expected = texts.Select(t => tokenizer.Encode(t)).ToArray();
        var actual = new int[texts.Length * 4][];
        Parallel.For(0, actual.Length, i => actual[i] = tokenizer.Encode(texts[i % texts.Length]));
        for (int i = 0; i < actual.Length; i++)
        {
            actual[i].Should().Equal(expected[i % texts.Length]);
        }
    }

    [Fact]
    public void TrimmedOffsets_CountBytesAsTgiDoes()
    {
        // ByteLevel trim_offsets moves an offset by its number of trimmed spaces. TGI's offsets are
        // bytes, so the lone prefix space put before the acute (bytes 11..13) trims to (12, 12);
        // the npm binding, counting characters, would say (13, 13).
        var tokenizer = ReferenceTokenizers.Get("qwen3-prefix-space-trim");
        var spans = tokenizer.EncodeWithOffsets("e\u0301 a\u0300 o\u0308\u0301 (combining)");
        spans[3].Should().Be(new TokenSpan(220, 12, 12));
        spans[4].Should().Be(new TokenSpan(53839, 11, 13));
    }
}
