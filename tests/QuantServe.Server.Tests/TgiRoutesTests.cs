using System.Net;
using System.Text.Json.Nodes;
using QuantServe.Server.Tests.Support;

namespace QuantServe.Server.Tests;

public sealed class TgiRoutesTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Generate_ReturnsTextDetailsAndTgiHeaders()
    {
        var response = await _server.PostAsync("/generate", """{"inputs":"Hello world","parameters":{"max_new_tokens":6,"details":true,"decoder_input_details":true,"top_n_tokens":2}}""");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await RunningServer.JsonAsync(response);
        body["generated_text"]!.GetValue<string>().Should().NotBeNull();
        var details = body["details"]!;
        details["finish_reason"]!.GetValue<string>().Should().BeOneOf("length", "eos_token");
        int generated = details["generated_tokens"]!.GetValue<int>();
        details["tokens"]!.AsArray().Should().HaveCount(generated);
        details["top_tokens"]!.AsArray().Should().HaveCount(generated);
        details["top_tokens"]![0]!.AsArray().Should().HaveCount(2);
        details["seed"].Should().BeNull("greedy requests report no seed, as in TGI");
        var prefill = details["prefill"]!.AsArray();
        int promptTokens = int.Parse(response.Headers.GetValues("x-prompt-tokens").Single());
        prefill.Should().HaveCount(promptTokens);
        prefill[0]!["logprob"].Should().BeNull();
        prefill[1]!["logprob"]!.GetValue<float>().Should().BeLessThanOrEqualTo(0);
        foreach (var header in new[] { "x-compute-type", "x-total-time", "x-validation-time", "x-queue-time", "x-inference-time", "x-time-per-token", "x-generated-tokens" })
            response.Headers.Contains(header).Should().BeTrue(header);
        response.Headers.GetValues("x-generated-tokens").Single().Should().Be(generated.ToString());
    }

    [Fact]
    public async Task CompatRoute_AnswersAList_AndStreamsWhenAsked()
    {
        var list = await RunningServer.JsonAsync(await _server.PostAsync("/", """{"inputs":"abc","parameters":{"max_new_tokens":3}}"""));
        list.AsArray().Should().HaveCount(1);
        var stream = await _server.PostAsync("/", """{"inputs":"abc","stream":true,"parameters":{"max_new_tokens":3}}""");
        stream.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        (await RunningServer.EventsAsync(stream)).Should().HaveCount(3);
    }

    [Fact]
    public async Task Streaming_GivesTheSameTextAsNonStreaming_ForASeed()
    {
        const string parameters = """{"max_new_tokens":12,"do_sample":true,"temperature":1.3,"seed":42,"details":true}""";
        var whole = await RunningServer.JsonAsync(await _server.PostAsync("/generate", $$"""{"inputs":"Once upon a time","parameters":{{parameters}}}"""));
        var events = await RunningServer.EventsAsync(await _server.PostAsync("/generate_stream", $$"""{"inputs":"Once upon a time","parameters":{{parameters}}}"""));
        var parsed = events.Select(e => JsonNode.Parse(e)!).ToList();
        parsed.Select(e => e["index"]!.GetValue<int>()).Should().Equal(Enumerable.Range(1, parsed.Count));
        string.Concat(parsed.Select(e => e["token"]!["text"]!.GetValue<string>())).Should().Be(whole["generated_text"]!.GetValue<string>());
        parsed[^1]["generated_text"]!.GetValue<string>().Should().Be(whole["generated_text"]!.GetValue<string>());
        parsed[^1]["details"]!["seed"]!.GetValue<ulong>().Should().Be(42);
        parsed[..^1].Should().OnlyContain(e => e["generated_text"] == null);
    }

    [Fact]
    public async Task ReturnFullText_PrependsTheInputs()
    {
        var body = await RunningServer.JsonAsync(await _server.PostAsync("/generate", """{"inputs":"Prefix:","parameters":{"max_new_tokens":2,"return_full_text":true}}"""));
        body["generated_text"]!.GetValue<string>().Should().StartWith("Prefix:");
    }

    public static TheoryData<string, string> InvalidRequests => new()
    {
        { """{"inputs":"a","parameters":{"temperature":0}}""", "`temperature` must be strictly positive" },
        { """{"inputs":"a","parameters":{"repetition_penalty":0}}""", "`repetition_penalty` must be strictly positive" },
        { """{"inputs":"a","parameters":{"frequency_penalty":3}}""", "`frequency_penalty` must be >= -2.0 and <= 2.0" },
        { """{"inputs":"a","parameters":{"top_p":1.0}}""", "`top_p` must be > 0.0 and < 1.0" },
        { """{"inputs":"a","parameters":{"typical_p":0}}""", "`typical_p` must be > 0.0 and < 1.0" },
        { """{"inputs":"a","parameters":{"top_k":0}}""", "`top_k` must be strictly positive" },
        { """{"inputs":"a","parameters":{"max_new_tokens":0}}""", "`max_new_tokens` must be strictly positive" },
        { """{"inputs":"a","parameters":{"stop":["1","2","3","4","5"]}}""", "`stop` supports up to 4 stop sequences. Given: 5" },
        { """{"inputs":"a","parameters":{"best_of":3}}""", "`best_of` must be > 0 and <= 2. Given: 3" },
        { """{"inputs":"a","parameters":{"best_of":2}}""", "you must use sampling when `best_of` is > 1" },
        { """{"inputs":"a","parameters":{"best_of":2,"do_sample":true,"seed":1}}""", "`seed` must not be set when `best_of` > 1" },
        { """{"inputs":"a","parameters":{"top_n_tokens":6}}""", "`top_n_tokens` must be >= 0 and <= 5. Given: 6" },
        { """{"inputs":"a","parameters":{"truncate":0}}""", "`truncate` must be strictly positive and less than 255. Given: 0" },
        { """{"inputs":"","parameters":{}}""", "`inputs` cannot be empty" },
        { """{"inputs":"a","parameters":{"max_new_tokens":300}}""", "`inputs` tokens + `max_new_tokens` must be <= 256. Given: 2 `inputs` tokens and 300 `max_new_tokens`" },
        { """{"inputs":"a","parameters":{"max_new_tokens":"x"}}""", "Failed to deserialize the JSON body into the target type*" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task InvalidRequests_Get422WithTgisMessage(string body, string message)
    {
        var response = await _server.PostAsync("/generate", body);
        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var error = await RunningServer.JsonAsync(response);
        error["error_type"]!.GetValue<string>().Should().Be("validation");
        error["error"]!.GetValue<string>().Should().Match(message);
    }

    [Fact]
    public async Task TooLongInputs_Get422()
    {
        var response = await _server.PostAsync("/generate", new JsonObject { ["inputs"] = new string('x', 400), ["parameters"] = new JsonObject { ["max_new_tokens"] = 1 } });
        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        (await RunningServer.JsonAsync(response))["error"]!.GetValue<string>().Should().StartWith("`inputs` must have less than 255 tokens. Given: ");
    }

    [Fact]
    public async Task StreamingForbidsBestOfAndPrefillDetails()
    {
        var bestOf = await _server.PostAsync("/generate_stream", """{"inputs":"a","parameters":{"best_of":2,"do_sample":true}}""");
        (await RunningServer.JsonAsync(bestOf))["error"]!.GetValue<string>().Should().Be("`best_of` != 1 is not supported when streaming tokens");
        var prefill = await _server.PostAsync("/generate_stream", """{"inputs":"a","parameters":{"decoder_input_details":true}}""");
        (await RunningServer.JsonAsync(prefill))["error"]!.GetValue<string>().Should().Be("`decoder_input_details` == true is not supported when streaming tokens");
    }

    [Fact]
    public async Task BestOf_ReturnsTheOtherCandidates()
    {
        var body = await RunningServer.JsonAsync(await _server.PostAsync("/generate", """{"inputs":"a","parameters":{"best_of":2,"do_sample":true,"max_new_tokens":4,"details":true}}"""));
        body["details"]!["best_of_sequences"]!.AsArray().Should().HaveCount(1);
    }

    [Fact]
    public async Task Tokenize_GivesIdsWithByteOffsetsIntoTheInput()
    {
        const string input = "héllo wörld";
        var tokens = (await RunningServer.JsonAsync(await _server.PostAsync("/tokenize", new JsonObject { ["inputs"] = input }))).AsArray();
        var bytes = System.Text.Encoding.UTF8.GetBytes(input);
        foreach (var t in tokens.Where(t => t!["stop"]!.GetValue<int>() > 0))
            t!["text"]!.GetValue<string>().Should().Be(System.Text.Encoding.UTF8.GetString(bytes, t["start"]!.GetValue<int>(), t["stop"]!.GetValue<int>() - t["start"]!.GetValue<int>()));
        tokens.Should().NotBeEmpty();
        tokens[^1]!["stop"]!.GetValue<int>().Should().Be(bytes.Length);
    }

    [Fact]
    public async Task ConcurrentGreedyRequests_GiveEachTheSameTextAsAlone()
    {
        string[] prompts = ["The cat", "A much longer prompt about many things", "x", "Numbers 1 2 3 4"];
        string Body(string p) => new JsonObject { ["inputs"] = p, ["parameters"] = new JsonObject { ["max_new_tokens"] = 10 } }.ToJsonString();
        var alone = new List<string>();
        foreach (var p in prompts)
            alone.Add((await RunningServer.JsonAsync(await _server.PostAsync("/generate", Body(p))))["generated_text"]!.GetValue<string>());
        var together = await Task.WhenAll(prompts.Select(async p => (await RunningServer.JsonAsync(await _server.PostAsync("/generate", Body(p))))["generated_text"]!.GetValue<string>()));
        together.Should().Equal(alone);
    }

    [Fact]
    public async Task InfoHealthMetricsAndModels_Answer()
    {
        var info = await RunningServer.JsonAsync(await _server.Client.GetAsync("/info"));
        info["model_id"]!.GetValue<string>().Should().Be("quantserve/test-model");
        info["max_total_tokens"]!.GetValue<int>().Should().Be(256);
        info["max_input_tokens"]!.GetValue<int>().Should().Be(255);
        info["backend"]!.GetValue<string>().Should().Be("cpu");
        info["weight_memory_bytes"]!.GetValue<long>().Should().BeGreaterThan(0);
        (await _server.Client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
        await _server.PostAsync("/generate", """{"inputs":"a","parameters":{"max_new_tokens":1}}""");
        var metrics = await _server.Client.GetStringAsync("/metrics");
        metrics.Should().Contain("tgi_request_count 1").And.Contain("tgi_request_success 1").And.Contain("tgi_batch_forward_duration_bucket");
        var models = await RunningServer.JsonAsync(await _server.Client.GetAsync("/v1/models"));
        models["data"]![0]!["id"]!.GetValue<string>().Should().Be("quantserve/test-model");
        (await _server.Client.GetAsync("/api-doc/openapi.json")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
