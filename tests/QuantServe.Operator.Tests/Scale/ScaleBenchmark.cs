using System.Diagnostics;
using System.Text.Json.Nodes;
using QuantServe.Operator.Tests.Integration;

namespace QuantServe.Operator.Tests.Scale;

/// <summary>Many InferenceServices against the emulator, the operator running as its own process (so its
/// memory is its own): how long until every one is Ready, and how much memory the operator holds.
/// Run: QUANTSERVE_SCALE=1 dotnet test tests/QuantServe.Operator.Tests -c Release --filter FullyQualifiedName~Scale</summary>
public static class ScaleBenchmark
{
    public static async Task<ScaleResult> RunAsync(int count, TextWriter log)
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        var operatorDll = Path.Combine(AppContext.BaseDirectory, "quantserve-operator.dll");
        if (!File.Exists(operatorDll)) throw new FileNotFoundException("build the operator first: the benchmark runs its executable", operatorDll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { operatorDll, "run", "--kubeconfig", env.Kubeconfig, "--http-port", "0", "--no-leader-election" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(200);
            }
        });
        try
        {
            var clock = Stopwatch.StartNew();
            var names = Enumerable.Range(0, count).Select(i => $"svc-{i:D4}").ToList();
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, ct) =>
            {
                await env.CreateAsync(new JsonObject
                {
                    ["apiVersion"] = "quantserve.dev/v1alpha1",
                    ["kind"] = "InferenceService",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
                    ["spec"] = new JsonObject
                    {
                        ["model"] = new JsonObject { ["id"] = "Qwen/Qwen2.5-0.5B-Instruct" },
                        ["quantize"] = "bitsandbytes-nf4",
                        ["shards"] = 1,
                    },
                });
            });
            var createTime = clock.Elapsed;
            log.WriteLine($"created {count} in {createTime.TotalSeconds:0.0} s");

            // Play the kubelet: mark each Deployment available once it exists, until every service is Ready.
            var marked = new HashSet<string>();
            var pending = new HashSet<string>(names);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(20);
            while (pending.Count > 0)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{pending.Count} of {count} not Ready after 20 minutes");
                foreach (var name in names.Where(n => !marked.Contains(n)))
                    if (env.Deployment(name) is not null)
                    {
                        env.MarkDeploymentAvailable(name);
                        marked.Add(name);
                    }
                pending.RemoveWhere(n => OperatorTestEnvironment.ConditionStatus(env.InferenceService(n), "Ready") == "True");
                await Task.Delay(200);
            }
            var convergeTime = clock.Elapsed;
            process.Refresh();
            var final = process.WorkingSet64;
            var result = new ScaleResult(count, createTime, convergeTime, Math.Max(peak, final), final, env.Emulator.Requests.Count);
            log.WriteLine(result.ToString());
            return result;
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
