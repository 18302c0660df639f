using System.Text.RegularExpressions;
using QuantServe.Kernels.Cuda;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// Every kernels/cuda/*.cu compiles with NVRTC for sm_80, sm_89 and sm_90, and its PTX holds the instructions the
/// kernel is designed around (tensor-core mma, cp.async, cvt for 16-bit and fp8 conversions, streaming loads,
/// warp shuffles) and none that betray a slow path (local-memory spills of register arrays).
/// </summary>
public sealed class KernelCompilationTests
{
    public static readonly string[] Architectures = ["sm_80", "sm_89", "sm_90"];

    private sealed record Expectation(string[] Entries, string[] Required, string[] Forbidden);

    private const string StreamingLoad = "ld.global.nc.L1::no_allocate.v4.u32";

    private static readonly Dictionary<string, Expectation> Expectations = new()
    {
        ["rmsnorm.cu"] = new(["rms_norm_f32"], ["shfl.sync.bfly.b32", "sqrt.rn.f32", "rcp.rn.f32"], []),
        // No FMA: the CPU rounds both products, then the sum, and the test compares bit for bit.
        ["rope.cu"] = new(["rope_f32"], ["mul.rn.f32", "sub.rn.f32", "add.rn.f32"], ["fma.rn.f32"]),
        ["sampling.cu"] = new(["argmax_f32"], ["shfl.sync.bfly.b32", "bar.sync"], []),
        ["swiglu.cu"] = new(["swiglu_f32", "swiglu_fused_f32"], ["ex2.approx"], []),
        ["paged_attention.cu"] = new(["paged_attention_decode_f32", "paged_attention_prefill_f32"], ["shfl.sync.bfly.b32", "ld.shared.f32", "bar.sync"], []),
        ["gemv_dense.cu"] = new(["gemv_f16", "gemv_bf16"], ["cvt.f32.f16", StreamingLoad, "shfl.sync.bfly.b32"], []),
        ["gemm_mma.cu"] = new(["gemm_f16_mma", "gemm_bf16_mma"],
            ["mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32",
             "cp.async.cg.shared.global", "cp.async.commit_group", "cp.async.wait_group"], []),
        ["gemm_w8a8.cu"] = new(["quantize_rows_int8", "gemm_w8a8_mma"],
            ["mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32", "cp.async.cg.shared.global", "cp.async.wait_group", "cvt.rni.s32.f32"], []),
        ["gemv_int8.cu"] = new(["gemv_int8"], ["cvt.rn.f32.s32", StreamingLoad], []),
        ["gemv_fp8.cu"] = new(["gemv_fp8_e4m3"], [StreamingLoad, "cvt.f32.f16"], []),
        ["gemv_bnb4.cu"] = new(["gemv_bnb4"], [StreamingLoad, "ld.shared.f32"], []),
        ["gemv_gptq.cu"] = new(["gemv_gptq4", "gemv_gptq8"], [StreamingLoad, "cvt.f32.f16", "atom.global.add.f32"], []),
        ["gemv_exl2.cu"] = new(["gemv_exl2"], [StreamingLoad, "cvt.rn.f16.f32", "cvt.f32.f16", "atom.global.add.f32"], []),
        ["gemv_awq.cu"] = new(["gemv_awq"], ["ld.global.nc.u32", "cvt.f32.f16", "atom.global.add.f32"], []),
    };

    public static TheoryData<string, string> Kernels()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in KernelSources.Names)
        {
            foreach (string architecture in Architectures)
                data.Add(file, architecture);
        }

        return data;
    }

    [Fact]
    public void Every_kernel_source_has_ptx_expectations_and_every_expectation_a_source()
    {
        KernelSources.Names.Should().BeEquivalentTo(Expectations.Keys);
    }

    [Fact]
    public void Every_kernel_source_begins_with_how_to_build_and_verify_it()
    {
        foreach (string file in KernelSources.Names)
        {
            string head = string.Join('\n', KernelSources.Read(file).Split('\n').TakeWhile(line => line.StartsWith("//", StringComparison.Ordinal)));
            head.Should().StartWith("// " + file, because: $"{file} opens with a comment naming it");
            head.Should().Contain("Build:", because: $"{file} says how to build it").And.Contain("Verify:", because: $"{file} says how to verify it");
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_compiles_to_ptx_with_the_instructions_it_is_designed_around(string file, string architecture)
    {
        NvrtcRequirement.Ensure();
        string ptx = NvrtcCompiler.CompileToPtx(KernelSources.Read(file), file, architecture, KernelSources.Headers);

        ptx.Should().Contain(".target " + architecture);
        var expectation = Expectations[file];
        foreach (string entry in expectation.Entries)
            ptx.Should().MatchRegex($@"\.entry\s+{Regex.Escape(entry)}\s*\(", because: $"{file} exports extern \"C\" kernel {entry}");
        foreach (string instruction in expectation.Required)
            ptx.Should().Contain(instruction, because: $"{file} is designed around {instruction} on {architecture}");
        foreach (string instruction in expectation.Forbidden)
            ptx.Should().NotContain(instruction, because: $"{file} must not use {instruction}");
        // Register arrays indexed by run-time values would land in local memory: a several-fold slowdown.
        ptx.Should().NotContain("ld.local", because: $"{file} keeps its arrays in registers").And.NotContain("st.local");
    }

    [Theory]
    [InlineData("sm_80", false)]
    [InlineData("sm_89", true)]
    [InlineData("sm_90", true)]
    public void Fp8_gemv_uses_the_hardware_e4m3_conversion_from_sm_89_on(string architecture, bool hardware)
    {
        NvrtcRequirement.Ensure();
        string ptx = NvrtcCompiler.CompileToPtx(KernelSources.Read("gemv_fp8.cu"), "gemv_fp8.cu", architecture, KernelSources.Headers);

        if (hardware)
            ptx.Should().Contain("cvt.rn.f16x2.e4m3x2");
        else
            ptx.Should().NotContain("e4m3x2", because: "sm_80 has no fp8 conversion; the kernel decodes the bits itself");
    }
}
