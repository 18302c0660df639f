using QuantServe.Engine.Models;

namespace QuantServe.Engine.Tests.Models;

public sealed class ModelConfigTests
{
    private const string Llama32 = """
        {"architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 8192,
         "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64,
         "vocab_size": 128256, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true,
         "max_position_embeddings": 131072, "torch_dtype": "bfloat16", "bos_token_id": 128000,
         "eos_token_id": [128001, 128008, 128009],
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                          "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
        """;

    [Fact]
    public void Llama32Config_IsReadWithEveryField()
    {
        var c = ModelConfig.Parse(Llama32);
        c.Architecture.Should().Be(ModelArchitecture.Llama);
        c.NumKeyValueHeads.Should().Be(8);
        c.HeadDim.Should().Be(64);
        c.TieWordEmbeddings.Should().BeTrue();
        c.RopeScaling.Should().Be(new RopeScaling(RopeScalingType.Llama3, 32.0, 1.0, 4.0, 8192));
        c.EosTokenIds.Should().Equal(128001, 128008, 128009);
        c.TorchDtype.Should().Be("bfloat16");
        c.QkvBias.Should().BeFalse();
        c.SlidingWindow.Should().BeNull();
    }

    [Fact]
    public void Qwen2_HasQkvBiasAndOnlyUsesTheWindowWhenAskedTo()
    {
        var c = ModelConfig.Parse("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":10,"sliding_window":4096,"use_sliding_window":false}""");
        c.QkvBias.Should().BeTrue();
        c.OutputProjectionBias.Should().BeFalse();
        c.SlidingWindow.Should().BeNull();
        c.NumKeyValueHeads.Should().Be(4, "num_key_value_heads defaults to num_attention_heads");
    }

    [Fact]
    public void Mistral_KeepsItsSlidingWindow()
    {
        var c = ModelConfig.Parse("""{"architectures":["MistralForCausalLM"],"hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":2,"vocab_size":10,"sliding_window":4096}""");
        c.SlidingWindow.Should().Be(4096);
    }

    [Fact]
    public void AnUnsupportedArchitecture_ListsTheSupportedOnes()
    {
        var act = () => ModelConfig.Parse("""{"architectures":["GPT2LMHeadModel"],"hidden_size":64}""", "/m/config.json");
        act.Should().Throw<ModelConfigException>()
            .WithMessage("/m/config.json: architecture 'GPT2LMHeadModel' is not supported; supported architectures: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM.");
    }

    [Theory]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":10}""", "*'hidden_size' is missing*")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":3,"vocab_size":10}""", "*multiple of num_key_value_heads 3*")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"hidden_size":"64"}""", "*'hidden_size' must be an integer*")]
    [InlineData("""{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"vocab_size":10,"rope_scaling":{"rope_type":"yarn","factor":4}}""", "*rope_scaling type 'yarn' is not supported*")]
    [InlineData("""{not json""", "*not valid JSON*")]
    public void BadConfigs_NameTheProblem(string json, string message)
    {
        var act = () => ModelConfig.Parse(json);
        act.Should().Throw<ModelConfigException>().WithMessage(message);
    }

    [Fact]
    public void AMissingConfigFile_SaysWhatAModelDirectoryNeeds()
    {
        var act = () => ModelConfig.Load("/nonexistent-model");
        act.Should().Throw<ModelConfigException>().WithMessage("*config.json: not found*tokenizer.json*");
    }
}
