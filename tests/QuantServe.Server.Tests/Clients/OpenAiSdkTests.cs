using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using QuantServe.Server.Tests.Support;

namespace QuantServe.Server.Tests.Clients;

/// <summary>The official OpenAI .NET SDK, as users point it at the server.</summary>
public sealed class OpenAiSdkTests : IAsyncLifetime
{
    private RunningServer _server = null!;
    private ChatClient _chat = null!;

    public async Task InitializeAsync()
    {
        _server = await RunningServer.StartAsync();
        _chat = new ChatClient("quantserve/test-model", new ApiKeyCredential("unused"),
            new OpenAIClientOptions { Endpoint = new Uri(_server.BaseAddress, "v1") });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ChatCompletion_AnswersWithUsage()
    {
        ChatCompletion completion = await _chat.CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("Say hi")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });
        completion.Role.Should().Be(ChatMessageRole.Assistant);
        completion.Content.Should().NotBeEmpty();
        completion.FinishReason.Should().BeOneOf(ChatFinishReason.Length, ChatFinishReason.Stop);
        completion.Usage.OutputTokenCount.Should().BeInRange(1, 8);
        completion.Usage.InputTokenCount.Should().BeGreaterThan(3);
    }

    [Fact]
    public async Task StreamingChat_GivesTheSameTextAsTheWholeAnswer()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 10, Temperature = 0 };
        ChatCompletion whole = await _chat.CompleteChatAsync([new UserChatMessage("Tell me a story")], options);
        var streamed = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in _chat.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story")], options))
        {
            foreach (var part in update.ContentUpdate)
                streamed.Append(part.Text);
            finish ??= update.FinishReason;
        }
        streamed.ToString().Should().Be(whole.Content[0].Text);
        finish.Should().NotBeNull();
    }

    [Fact]
    public async Task ChatLogprobs_AreReported()
    {
        ChatCompletion completion = await _chat.CompleteChatAsync([new UserChatMessage("x")],
            new ChatCompletionOptions { MaxOutputTokenCount = 3, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 2 });
        completion.ContentTokenLogProbabilities.Should().NotBeEmpty();
        completion.ContentTokenLogProbabilities[0].TopLogProbabilities.Should().HaveCount(2);
    }

    [Fact]
    public async Task Completions_AnswerEveryPromptOfABatch()
    {
        var response = await _server.PostAsync("/v1/completions", """{"model":"m","prompt":["Once","Twice"],"max_tokens":4,"temperature":0}""");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await RunningServer.JsonAsync(response);
        body["object"]!.GetValue<string>().Should().Be("text_completion");
        body["choices"]!.AsArray().Select(c => c!["index"]!.GetValue<int>()).Should().Equal(0, 1);
        body["usage"]!["completion_tokens"]!.GetValue<int>().Should().BeInRange(2, 8);
        var tooMany = await _server.PostAsync("/v1/completions", """{"prompt":["a","b","c","d","e"],"max_tokens":1}""");
        (await RunningServer.JsonAsync(tooMany))["error"]!.GetValue<string>().Should().Be("Number of prompts exceeds the maximum allowed batch size of 4");
    }

    [Fact]
    public async Task StreamingCompletions_EndWithDone()
    {
        var events = await RunningServer.EventsAsync(await _server.PostAsync("/v1/completions", """{"prompt":"Once","max_tokens":3,"stream":true}"""));
        events[^1].Should().Be("[DONE]");
        events[..^1].Select(e => JsonNode.Parse(e)!["object"]!.GetValue<string>()).Should().OnlyContain(o => o == "text_completion");
    }

    [Fact]
    public async Task ChatTokenize_ShowsTheTemplatedPrompt()
    {
        var body = await RunningServer.JsonAsync(await _server.PostAsync("/chat_tokenize", """{"messages":[{"role":"user","content":"hi"}]}"""));
        body["templated_text"]!.GetValue<string>().Should().Contain("hi");
        body["tokenize_response"]!.AsArray().Should().NotBeEmpty();
    }

    [Fact]
    public async Task Invocations_RouteByTheBodysShape()
    {
        (await RunningServer.JsonAsync(await _server.PostAsync("/invocations", """{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}""")))["object"]!.GetValue<string>().Should().Be("chat.completion");
        (await RunningServer.JsonAsync(await _server.PostAsync("/invocations", """{"prompt":"hi","max_tokens":2}""")))["object"]!.GetValue<string>().Should().Be("text_completion");
        (await RunningServer.JsonAsync(await _server.PostAsync("/invocations", """{"inputs":"hi","parameters":{"max_new_tokens":2}}""")))[0]!["generated_text"].Should().NotBeNull();
    }
}
