namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>Device tests share one device and kernel set (compiling every kernel once).</summary>
[CollectionDefinition(Name)]
public sealed class CudaDeviceCollection : ICollectionFixture<CudaDeviceFixture>
{
    public const string Name = "cuda device";
}
