using System.Runtime.InteropServices;
using QuantServe.Kernels.Cuda;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>The binding layer's behaviour that needs no GPU: result codes become exceptions, argument marshalling, device discovery.</summary>
public sealed unsafe class CudaBindingTests
{
    [Theory]
    [InlineData(2, "cuMemAlloc", "CUDA_ERROR_OUT_OF_MEMORY")]
    [InlineData(100, "cuDeviceGet", "CUDA_ERROR_NO_DEVICE")]
    [InlineData(218, "cuModuleLoadDataEx", "CUDA_ERROR_INVALID_PTX")]
    [InlineData(700, "cuCtxSynchronize", "CUDA_ERROR_ILLEGAL_ADDRESS")]
    public void A_failed_driver_call_throws_naming_the_error_and_the_call(int result, string call, string name)
    {
        var error = FluentActions.Invoking(() => CudaException.Check(result, call)).Should().Throw<CudaException>().Which;

        error.Result.Should().Be(result);
        error.Call.Should().Be(call);
        error.ErrorName.Should().Be(name);
        error.Message.Should().StartWith($"{call} failed: {name} ({result})");
    }

    [Fact]
    public void Success_does_not_throw()
    {
        FluentActions.Invoking(() => CudaException.Check(0, "cuInit")).Should().NotThrow();
    }

    [Fact]
    public void An_unknown_code_is_still_named_by_its_number()
    {
        var error = FluentActions.Invoking(() => CudaException.Check(12345, "cuSomething")).Should().Throw<CudaException>().Which;

        error.Message.Should().Contain("cuSomething").And.Contain("12345");
    }

    [SkippableFact]
    public void Without_a_driver_TryOpen_returns_null_and_says_libcuda_is_missing()
    {
        Skip.If(NativeLibrary.TryLoad("libcuda.so.1", out IntPtr handle) && Free(handle), "this machine has libcuda.so.1; the no-driver path cannot be observed here");

        using var device = CudaDevice.TryOpen(out string reason);

        device.Should().BeNull();
        reason.Should().Contain("libcuda.so.1").And.Contain("no NVIDIA driver");
        FluentActions.Invoking(() => CudaDevice.Open()).Should().Throw<InvalidOperationException>().WithMessage("*libcuda.so.1*");
    }

    [Fact]
    public void Kernel_arguments_point_at_their_values_in_order()
    {
        var arguments = new KernelArguments().Add(7).Add(2.5f).Add(-3L).Add(0x1234_5678_9ABCL);

        arguments.Count.Should().Be(4);
        void** pointers = arguments.Pointers;
        (*(int*)pointers[0]).Should().Be(7);
        (*(float*)pointers[1]).Should().Be(2.5f);
        (*(long*)pointers[2]).Should().Be(-3L);
        (*(ulong*)pointers[3]).Should().Be(0x1234_5678_9ABCUL);
    }

    [Fact]
    public void An_absent_optional_buffer_is_passed_as_a_null_device_pointer()
    {
        var arguments = new KernelArguments().AddOptional<int>(null);

        (*(ulong*)arguments.Pointers[0]).Should().Be(0UL);
    }

    [Fact]
    public void Too_many_kernel_arguments_are_refused()
    {
        var arguments = new KernelArguments();
        for (int i = 0; i < 32; i++)
            arguments.Add(i);

        FluentActions.Invoking(() => arguments.Add(32)).Should().Throw<InvalidOperationException>().WithMessage("*at most 32*");
    }

    [Theory]
    [InlineData(0, 128, 0u)]
    [InlineData(1, 128, 1u)]
    [InlineData(128, 128, 1u)]
    [InlineData(129, 128, 2u)]
    public void Grid_blocks_round_up(long total, long per, uint blocks)
    {
        LaunchShape.Blocks(total, per).Should().Be(blocks);
    }

    [Fact]
    public void Every_kernel_source_and_the_shared_header_are_embedded()
    {
        KernelSources.Names.Should().Contain(["rmsnorm.cu", "rope.cu", "swiglu.cu", "paged_attention.cu", "gemv_dense.cu", "gemm_mma.cu",
            "gemv_int8.cu", "gemv_fp8.cu", "gemv_bnb4.cu", "gemv_gptq.cu", "gemv_awq.cu", "gemv_exl2.cu", "sampling.cu", "gemm_w8a8.cu"]);
        KernelSources.Headers.Should().ContainKey("common.cuh");
        FluentActions.Invoking(() => KernelSources.Read("missing.cu")).Should().Throw<ArgumentException>().WithMessage("*missing.cu*rmsnorm.cu*");
    }

    private static bool Free(IntPtr handle)
    {
        NativeLibrary.Free(handle);
        return true;
    }
}
