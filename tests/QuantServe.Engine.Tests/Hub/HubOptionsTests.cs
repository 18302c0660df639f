using QuantServe.Engine.Hub;

namespace QuantServe.Engine.Tests.Hub;

public sealed class HubOptionsTests
{
    private const string Home = "/home/user";

    [Theory]
    [InlineData(new[] { "HF_HUB_CACHE=/a", "HUGGINGFACE_HUB_CACHE=/b", "HF_HOME=/c" }, "/a")]
    [InlineData(new[] { "HUGGINGFACE_HUB_CACHE=/b", "HF_HOME=/c", "XDG_CACHE_HOME=/x" }, "/b")]
    [InlineData(new[] { "HF_HOME=/data", "XDG_CACHE_HOME=/x" }, "/data/hub")]
    [InlineData(new[] { "XDG_CACHE_HOME=/x" }, "/x/huggingface/hub")]
    [InlineData(new[] { "HF_HOME=~/hf" }, "/home/user/hf/hub")]
    [InlineData(new[] { "HUGGINGFACE_HUB_CACHE=" }, "/home/user/.cache/huggingface/hub")]
    [InlineData(new string[0], "/home/user/.cache/huggingface/hub")]
    public void ResolveCacheDirectory_FollowsHuggingFaceHubsOrder(string[] variables, string expected)
    {
        ModelDownloader.ResolveCacheDirectory(Environment(variables), Home).Should().Be(expected);
    }

    [Fact]
    public void FromEnvironment_ReadsEndpointTokenAndOffline()
    {
        HubOptions options = HubOptions.FromEnvironment(Environment(["HF_ENDPOINT=https://mirror.example/hf/", "HF_TOKEN=hf_abc", "HF_HUB_OFFLINE=1", "HF_HOME=/data"]));

        options.Endpoint.Should().Be(new Uri("https://mirror.example/hf"));
        options.Token.Should().Be("hf_abc");
        options.Offline.Should().BeTrue();
        options.CacheDirectory.Should().Be("/data/hub");
    }

    [Fact]
    public void FromEnvironment_Defaults_AreTheHubOnline()
    {
        HubOptions options = HubOptions.FromEnvironment(Environment([]));

        options.Endpoint.Should().Be(new Uri("https://huggingface.co"));
        options.Token.Should().BeNull();
        options.Offline.Should().BeFalse();
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    public void FromEnvironment_HfHubOffline_AcceptsHuggingFaceHubsTruthValues(string value, bool offline)
    {
        HubOptions.FromEnvironment(Environment(["HF_HUB_OFFLINE=" + value])).Offline.Should().Be(offline);
    }

    [Theory]
    [InlineData("huggingface.co")]
    [InlineData("ftp://huggingface.co")]
    public void FromEnvironment_BadEndpoint_NamesHfEndpoint(string endpoint)
    {
        Action act = () => HubOptions.FromEnvironment(Environment(["HF_ENDPOINT=" + endpoint]));

        act.Should().Throw<ArgumentException>().WithMessage($"HF_ENDPOINT '{endpoint}'*");
    }

    private static Func<string, string?> Environment(string[] variables)
    {
        var map = variables.Select(v => v.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return name => map.GetValueOrDefault(name);
    }
}
