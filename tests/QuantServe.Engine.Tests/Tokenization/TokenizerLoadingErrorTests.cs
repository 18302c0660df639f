using System.Text.Json.Nodes;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Tests.Tokenization;

public sealed class TokenizerLoadingErrorTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "quantserve-tokenizer-errors-" + Guid.NewGuid().ToString("N"));

    public TokenizerLoadingErrorTests()
    {
        SyntheticTokenizer.WriteByteLevel(directory);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void MissingDirectory_NamesIt()
    {
        string missing = Path.Combine(directory, "nope");
        var act = () => Tokenizer.Load(missing);
        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"*{missing}*");
    }

    [Fact]
    public void MissingTokenizerJson_NamesTheFile()
    {
        File.Delete(Path.Combine(directory, "tokenizer.json"));
        var act = () => Tokenizer.Load(directory);
        act.Should().Throw<FileNotFoundException>().WithMessage("*tokenizer.json*");
    }

    [Fact]
    public void MissingConfig_IsFineAndLeavesConfigValuesEmpty()
    {
        File.Delete(Path.Combine(directory, "tokenizer_config.json"));
        var tokenizer = Tokenizer.Load(directory);
        tokenizer.EosTokenIds.Should().BeEmpty();
        tokenizer.ChatTemplate.Should().BeNull();
        // Without a config the bos comes from the post-processor.
        tokenizer.BosToken.Should().Be("<|begin_of_text|>");
        tokenizer.AddBosToken.Should().BeTrue();
    }

    [Fact]
    public void FilesWithAByteOrderMark_Load()
    {
        foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            string path = Path.Combine(directory, file);
            File.WriteAllText(path, File.ReadAllText(path), new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        }
        var tokenizer = Tokenizer.Load(directory);
        tokenizer.Decode(tokenizer.Encode("BOM")).Should().Be("BOM");
        tokenizer.EosTokenIds.Should().Equal(SyntheticTokenizer.VocabSize - 1);
    }

    [Fact]
    public void BrokenConfigJson_NamesTheConfigFile()
    {
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{ not json");
        var act = () => Tokenizer.Load(directory);
        act.Should().Throw<InvalidDataException>().WithMessage("*tokenizer_config.json*not valid JSON*");
    }

    [Fact]
    public void BrokenTokenizerJson_NamesTheFile()
    {
        var act = () => Tokenizer.FromJson("[1, 2");
        act.Should().Throw<InvalidDataException>().WithMessage("tokenizer.json*not valid JSON*");
    }

    [Theory]
    [InlineData("model", """{"type": "WordPiece", "vocab": {}}""", "*model type \"WordPiece\" is not supported*")]
    [InlineData("model", """{"type": "Unigram", "vocab": []}""", "*model type \"Unigram\" is not supported*")]
    [InlineData("normalizer", """{"type": "Lowercase"}""", "*normalizer type \"Lowercase\" is not supported*")]
    [InlineData("pre_tokenizer", """{"type": "Whitespace"}""", "*pre_tokenizer type \"Whitespace\" is not supported*")]
    [InlineData("post_processor", """{"type": "BertProcessing", "sep": ["[SEP]", 1], "cls": ["[CLS]", 0]}""", "*post_processor type \"BertProcessing\" is not supported*")]
    [InlineData("decoder", """{"type": "WordPiece", "prefix": "##"}""", "*decoder type \"WordPiece\" is not supported*")]
    public void UnsupportedComponent_IsNamedWithItsType(string section, string component, string message)
    {
        var act = () => Tokenizer.FromJson(WithSection(section, component));
        act.Should().Throw<NotSupportedException>().WithMessage(message);
    }

    [Fact]
    public void MergeOfUnknownToken_IsReported()
    {
        var json = Json();
        json["model"]!["merges"]!.AsArray().Add(new JsonArray("no-such-token", "t"));
        var act = () => Tokenizer.FromJson(json.ToJsonString());
        act.Should().Throw<InvalidDataException>().WithMessage("*merge*no-such-token*not in the vocabulary*");
    }

    [Fact]
    public void ChatTemplateList_UsesTheDefaultEntry()
    {
        string config = """
            {"bos_token": {"content": "<|begin_of_text|>", "special": true}, "eos_token": "<|end_of_text|>",
             "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
            """;
        var tokenizer = Tokenizer.FromJson(Json().ToJsonString(), config);
        tokenizer.ChatTemplate.Should().Be("D");
        tokenizer.BosTokenId.Should().Be(SyntheticTokenizer.VocabSize - 2);
        tokenizer.EosTokenIds.Should().Equal(SyntheticTokenizer.VocabSize - 1);
    }

    private JsonObject Json() => JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!.AsObject();

    private string WithSection(string section, string component)
    {
        var json = Json();
        json[section] = JsonNode.Parse(component);
        return json.ToJsonString();
    }
}
