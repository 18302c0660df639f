namespace QuantServe.Operator.Tests.Scale;

/// <summary>What one scale run measured.</summary>
public sealed record ScaleResult(int Services, TimeSpan CreateTime, TimeSpan ConvergeTime, long PeakWorkingSetBytes, long FinalWorkingSetBytes, int ApiRequests)
{
    public override string ToString() =>
        $"{Services} InferenceServices: created in {CreateTime.TotalSeconds:0.0} s, all Ready {ConvergeTime.TotalSeconds:0.0} s after the first create; " +
        $"operator working set peak {PeakWorkingSetBytes / 1048576.0:0} MiB, final {FinalWorkingSetBytes / 1048576.0:0} MiB; {ApiRequests} API requests";
}
