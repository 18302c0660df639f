using QuantServe.Engine.Generation.Scheduling;

namespace QuantServe.Server.Metrics;

/// <summary>The `tgi_*` metrics that users' dashboards for Text Generation Inference already chart.</summary>
public sealed class ServerMetrics
{
    private static readonly double[] Seconds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private static readonly double[] Tokens = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

    public PrometheusRegistry Registry { get; } = new();

    public void Bind(Func<SchedulerStatistics> statistics, int maxBatchTotalTokens, int blockSize)
    {
        Registry.Gauge("tgi_queue_size", () => statistics().Waiting);
        Registry.Gauge("tgi_batch_current_size", () => statistics().Running);
        Registry.Gauge("tgi_batch_current_max_tokens", () => (double)(statistics().TotalBlocks - statistics().FreeBlocks) * blockSize);
        Registry.Gauge("tgi_batch_max_total_tokens", () => maxBatchTotalTokens);
        Registry.Gauge("tgi_batch_inference_count", () => statistics().Steps + statistics().FailedSteps);
        Registry.Gauge("tgi_batch_inference_success", () => statistics().Steps);
        Registry.Gauge("tgi_batch_inference_failure", () => statistics().FailedSteps);
    }

    public void Step(TimeSpan duration, int batchSize)
    {
        Registry.Observe("tgi_batch_forward_duration", duration.TotalSeconds, Seconds);
        Registry.Observe("tgi_batch_inference_duration", duration.TotalSeconds, Seconds);
        Registry.Observe("tgi_batch_next_size", batchSize, Tokens);
    }

    public void RequestStarted() => Registry.Increment("tgi_request_count");

    public void RequestFailed(string errorType) => Registry.Increment("tgi_request_failure", labels: $"err=\"{errorType}\"");

    public void RequestSucceeded(int inputLength, int generatedTokens, int maxNewTokens, TimeSpan validation, TimeSpan queue, TimeSpan inference, TimeSpan total)
    {
        Registry.Increment("tgi_request_success");
        Registry.Observe("tgi_request_duration", total.TotalSeconds, Seconds);
        Registry.Observe("tgi_request_validation_duration", validation.TotalSeconds, Seconds);
        Registry.Observe("tgi_request_queue_duration", queue.TotalSeconds, Seconds);
        Registry.Observe("tgi_request_inference_duration", inference.TotalSeconds, Seconds);
        if (generatedTokens > 0)
            Registry.Observe("tgi_request_mean_time_per_token_duration", inference.TotalSeconds / generatedTokens, Seconds);
        Registry.Observe("tgi_request_input_length", inputLength, Tokens);
        Registry.Observe("tgi_request_generated_tokens", generatedTokens, Tokens);
        Registry.Observe("tgi_request_max_new_tokens", maxNewTokens, Tokens);
    }
}
