namespace QuantServe.Engine.Generation.Scheduling;

/// <summary>A snapshot of the loop for metrics and tests.</summary>
public readonly record struct SchedulerStatistics(
    int Waiting,
    int Running,
    int FreeBlocks,
    int TotalBlocks,
    long Steps,
    long FailedSteps,
    TimeSpan LastForward);
