namespace QuantServe.Kernels.Tests.Cpu;

/// <summary>
/// Tests that set <c>KernelThreads.Count</c> or depend on the pool being free run one at a time:
/// a For started while another is running runs inline, which would hide what they check. They also
/// run apart from every other test class (DisableParallelization), since any kernel test uses the pool.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class KernelThreadsCollection
{
    public const string Name = "KernelThreads";
}
