using QuantServe.Kernels.Cuda;

namespace QuantServe.Kernels.Cuda.Tests;

public sealed class PtxCacheTests : IDisposable
{
    private const string Source = "extern \"C\" __global__ void k(float* x) { x[threadIdx.x] *= 2.f; }";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "quantserve-ptx-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void The_second_request_for_the_same_source_is_served_from_disk()
    {
        NvrtcRequirement.Ensure();
        var cache = new PtxCache(_directory);

        string first = cache.GetOrCompile(Source, "k.cu", "sm_80");
        string second = new PtxCache(_directory).GetOrCompile(Source, "k.cu", "sm_80");

        cache.Compilations.Should().Be(1);
        second.Should().Be(first);
        Directory.GetFiles(_directory, "*.ptx").Should().ContainSingle().Which.Should().Contain("k-sm_80-");
    }

    [Fact]
    public void Source_architecture_header_and_options_each_change_the_key()
    {
        string baseline = PtxCache.Key(Source, "k.cu", "sm_80", null, null);

        PtxCache.Key(Source + " ", "k.cu", "sm_80", null, null).Should().NotBe(baseline);
        PtxCache.Key(Source, "k.cu", "sm_90", null, null).Should().NotBe(baseline);
        PtxCache.Key(Source, "k.cu", "sm_80", new Dictionary<string, string> { ["a.cuh"] = "" }, null).Should().NotBe(baseline);
        PtxCache.Key(Source, "k.cu", "sm_80", null, ["-lineinfo"]).Should().NotBe(baseline);
        PtxCache.Key(Source, "k.cu", "sm_80", null, null).Should().Be(baseline);
    }

    [Fact]
    public void A_compile_error_leaves_nothing_in_the_cache()
    {
        NvrtcRequirement.Ensure();
        var cache = new PtxCache(_directory);

        FluentActions.Invoking(() => cache.GetOrCompile("this is not CUDA", "bad.cu", "sm_80")).Should().Throw<NvrtcException>();

        (Directory.Exists(_directory) ? Directory.GetFiles(_directory) : []).Should().BeEmpty();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }
}
