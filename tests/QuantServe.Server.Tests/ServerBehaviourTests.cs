using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using QuantServe.Server.Tests.Support;

namespace QuantServe.Server.Tests;

public sealed class ServerBehaviourTests
{
    [Fact]
    public async Task BeyondMaxConcurrentRequests_TheServerAnswers429_WhileRequestsInFlightSucceed()
    {
        await using var server = await RunningServer.StartAsync(o => o with { MaxConcurrentRequests = 1 });
        // A burst of long requests: one gets the only slot, the others arrive while it runs.
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            server.PostAsync("/generate", """{"inputs":"a","parameters":{"max_new_tokens":200,"details":true}}""")));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        rejected.Should().NotBeEmpty();
        var error = await RunningServer.JsonAsync(rejected[0]);
        error["error_type"]!.GetValue<string>().Should().Be("overloaded");
        error["error"]!.GetValue<string>().Should().Be("Model is overloaded");
        var served = responses.Except(rejected).ToList();
        served.Should().NotBeEmpty().And.OnlyContain(r => r.StatusCode == HttpStatusCode.OK);
        foreach (var r in served)
            (await RunningServer.JsonAsync(r))["details"]!["finish_reason"]!.GetValue<string>().Should().BeOneOf("length", "eos_token");
        (await server.Client.GetStringAsync("/metrics")).Should().Contain("tgi_request_failure{err=\"overloaded\"}");
    }

    [Fact]
    public async Task AClientThatDisconnects_IsCancelledAndItsKvBlocksFreed()
    {
        await using var server = await RunningServer.StartAsync();
        int totalBlocks = server.Serving.Scheduler.Statistics.TotalBlocks;
        // A random model may sample eos early and finish on its own; try prompts until one is still running.
        bool heldBlocks = false;
        for (int attempt = 0; attempt < 10 && !heldBlocks; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/generate_stream")
            {
                Content = new StringContent($$$"""{"inputs":"a long generation {{{attempt}}}","parameters":{"max_new_tokens":240}}""", Encoding.UTF8, "application/json"),
            };
            using var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            (await stream.ReadAsync(new byte[64])).Should().BeGreaterThan(0);
            heldBlocks = server.Serving.Scheduler.Statistics is { Running: 1 } s && s.FreeBlocks < totalBlocks;
        }
        heldBlocks.Should().BeTrue("a running request holds KV blocks");
        await WaitUntil(() => server.Serving.Scheduler.Statistics is { Running: 0, Waiting: 0 } s && s.FreeBlocks == totalBlocks);
        server.Serving.Scheduler.Statistics.FreeBlocks.Should().Be(totalBlocks);
    }

    [Fact]
    public async Task FuzzedBodies_NeverGive500_AndTheServerKeepsServing()
    {
        await using var server = await RunningServer.StartAsync();
        var random = new Random(7);
        string[] seeds =
        [
            """{"inputs":"a","parameters":{"max_new_tokens":2}}""",
            """{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":2}""",
            """{"prompt":["a","b"],"max_tokens":2}""",
        ];
        string[] routes = ["/generate", "/generate_stream", "/", "/tokenize", "/v1/chat/completions", "/v1/completions", "/chat_tokenize", "/invocations"];
        for (int i = 0; i < 150; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(seeds[i % seeds.Length]);
            int mutations = random.Next(1, 6);
            for (int m = 0; m < mutations; m++)
            {
                switch (random.Next(3))
                {
                    case 0: bytes[random.Next(bytes.Length)] = (byte)random.Next(256); break;
                    case 1: bytes = bytes[..random.Next(bytes.Length)]; break;
                    default: bytes = [.. bytes, .. Encoding.UTF8.GetBytes(new[] { "{", "}", "[", "null", "-1", "1e999", "\"", "\\u0000" }[random.Next(8)])]; break;
                }
                if (bytes.Length == 0)
                    bytes = "{"u8.ToArray();
            }
            var response = await server.Client.PostAsync(routes[i % routes.Length], new ByteArrayContent(bytes) { Headers = { { "Content-Type", "application/json" } } });
            ((int)response.StatusCode).Should().BeLessThan(500, $"body {Encoding.UTF8.GetString(bytes)} on {routes[i % routes.Length]} gave {await response.Content.ReadAsStringAsync()}");
        }
        (await server.PostAsync("/generate", seeds[0])).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task BodiesOverThePayloadLimit_Get413()
    {
        await using var server = await RunningServer.StartAsync(o => o with { PayloadLimit = 1000 });
        var response = await server.PostAsync("/generate", new JsonObject { ["inputs"] = new string('a', 5000) });
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task WithAnApiKey_PostRoutesNeedTheBearerToken()
    {
        await using var server = await RunningServer.StartAsync(o => o with { ApiKey = "secret" });
        const string body = """{"inputs":"a","parameters":{"max_new_tokens":1}}""";
        (await server.PostAsync("/generate", body)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var wrong = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        wrong.Headers.Authorization = new("Bearer", "wrong");
        (await server.Client.SendAsync(wrong)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var right = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        right.Headers.Authorization = new("Bearer", "secret");
        (await server.Client.SendAsync(right)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await server.Client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Draining_FinishesRequestsInFlight_AndRefusesNewOnes()
    {
        await using var server = await RunningServer.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate_stream")
        {
            Content = new StringContent("""{"inputs":"a","parameters":{"max_new_tokens":200}}""", Encoding.UTF8, "application/json"),
        };
        using var inFlight = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await inFlight.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).Should().StartWith("data:", "the request is running once its first token is out");

        var drain = server.Serving.Scheduler.DrainAsync(TimeSpan.FromSeconds(30));
        var refused = await server.PostAsync("/generate", """{"inputs":"b","parameters":{"max_new_tokens":1}}""");
        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await server.Client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);

        // The request in flight still ends normally: its last event carries the whole text.
        var rest = await reader.ReadToEndAsync();
        var last = rest.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        JsonNode.Parse(last["data:".Length..])!["generated_text"].Should().NotBeNull();
        await drain;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
            await Task.Delay(20);
        condition().Should().BeTrue("the condition should hold within 10 s");
    }
}
