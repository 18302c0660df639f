using System.Diagnostics;
using System.Text.Json.Nodes;
using QuantServe.Server.Tests.Support;

namespace QuantServe.Server.Tests.Clients;

/// <summary>Hugging Face's npm client (@huggingface/inference) against the server: textGeneration, textGenerationStream, chatCompletion.</summary>
public sealed class HuggingFaceClientTests
{
    [Fact]
    public async Task TheHuggingFaceJavaScriptClient_GeneratesStreamsAndChats()
    {
        var modules = Path.Combine(RepositoryRoot.Find(), "tests", "fixtures", "npm", "node_modules");
        File.Exists(Path.Combine(modules, "@huggingface", "inference", "package.json"))
            .Should().BeTrue("the npm client is installed by tools/setup-test-deps.sh (run it, or `make test`)");
        await using var server = await RunningServer.StartAsync();
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "hf-inference.cjs");

        using var node = Process.Start(new ProcessStartInfo("node", [script, modules, server.BaseAddress.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await Task.WhenAny(node.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (!node.HasExited)
            node.Kill();
        node.HasExited.Should().BeTrue("the client should finish within a minute");
        node.ExitCode.Should().Be(0, await stderr);

        var result = JsonNode.Parse(await stdout)!;
        result["streamed"]!.GetValue<string>().Should().Be(result["generated_text"]!.GetValue<string>(), "the same seed gives the same text streamed or not");
        result["stream_final"]!.GetValue<string>().Should().Be(result["generated_text"]!.GetValue<string>());
        result["chat_finish_reason"]!.GetValue<string>().Should().BeOneOf("length", "stop");
        result["chat_content"].Should().NotBeNull();
    }
}
