using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;
using QuantServe.Server;

namespace QuantServe.Bench.Serving;

/// <summary>
/// A closed-loop load generator on loopback: N clients each stream requests back to back from a
/// server running in this process, for a fixed number of requests per client. Reports total generated
/// tokens/s, time to first token and inter-token latency, which show what continuous batching buys.
/// </summary>
public static class LoadGenerator
{
    /// <summary>Runs every concurrency level; <paramref name="promptTokens"/> is the prompt's length in the model's tokens.</summary>
    public static async Task<IReadOnlyList<LoadResult>> RunAsync(string modelDirectory, int[] concurrencies, int promptTokens, int maxNewTokens, int requestsPerClient)
    {
        using var model = LlamaModel.Load(modelDirectory);
        int maxTotal = Math.Min(model.Config.MaxPositionEmbeddings, 1024);
        var options = new ServerOptions
        {
            ModelId = Path.GetFileName(modelDirectory),
            MaxConcurrentRequests = concurrencies.Max() * 2,
            MaxTotalTokens = maxTotal,
            MaxBatchTotalTokens = Math.Max(maxTotal, concurrencies.Max() * (promptTokens + maxNewTokens + 32)),
        };
        var tokenizer = Tokenizer.Load(modelDirectory);
        using var serving = new ServingModel(model, tokenizer, options);
        await using var app = InferenceServer.Build(serving, "http://127.0.0.1:0", logging: _ => { });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = InferenceServer.ListeningAddress(app), Timeout = TimeSpan.FromMinutes(10) };
        var prompt = PromptOf(tokenizer, promptTokens);

        await StreamOneAsync(client, prompt, 4); // warm-up: JIT and page faults
        var results = new List<LoadResult>();
        foreach (int concurrency in concurrencies)
        {
            var firstTokens = new List<double>();
            var gaps = new List<double>();
            long tokens = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                for (int r = 0; r < requestsPerClient; r++)
                {
                    var (first, between, count) = await StreamOneAsync(client, prompt, maxNewTokens);
                    lock (firstTokens)
                    {
                        firstTokens.Add(first);
                        gaps.AddRange(between);
                        tokens += count;
                    }
                }
            }));
            double seconds = clock.Elapsed.TotalSeconds;
            results.Add(new LoadResult(concurrency, concurrency * requestsPerClient, tokens, seconds, tokens / seconds,
                Percentile(firstTokens, 0.5), Percentile(firstTokens, 0.99), Percentile(gaps, 0.5), Percentile(gaps, 0.99)));
        }
        await app.StopAsync();
        return results;
    }

    // One /generate_stream request: time to the first event, the gaps between events, and the token count.
    private static async Task<(double First, List<double> Gaps, int Tokens)> StreamOneAsync(HttpClient client, string prompt, int maxNewTokens)
    {
        var body = new JsonObject { ["inputs"] = prompt, ["parameters"] = new JsonObject { ["max_new_tokens"] = maxNewTokens } }.ToJsonString();
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate_stream") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double first = -1, last = 0;
        var gaps = new List<double>();
        int tokens = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
                continue;
            double now = clock.Elapsed.TotalMilliseconds;
            if (first < 0)
                first = now;
            else
                gaps.Add(now - last);
            last = now;
            tokens++;
        }
        return (first, gaps, tokens);
    }

    // Words appended until the prompt has the wanted number of tokens, whatever the tokenizer.
    private static string PromptOf(Tokenizer tokenizer, int tokens)
    {
        string[] words = ["the", "land", "and", "of", "light", "in", "was", "he", "said", "unto"];
        var prompt = new System.Text.StringBuilder();
        for (int i = 0; tokenizer.Encode(prompt.ToString()).Length < tokens; i++)
            prompt.Append(i == 0 ? "" : " ").Append(words[i % words.Length]);
        return prompt.ToString();
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
