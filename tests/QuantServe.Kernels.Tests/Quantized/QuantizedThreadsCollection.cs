namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>Quantized-kernel tests that change <c>KernelThreads.Count</c> run one at a time.</summary>
[CollectionDefinition(Name)]
public class QuantizedThreadsCollection
{
    public const string Name = "QuantizedKernelThreads";
}
