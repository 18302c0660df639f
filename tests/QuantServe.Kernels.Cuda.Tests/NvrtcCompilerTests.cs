using QuantServe.Kernels.Cuda;

namespace QuantServe.Kernels.Cuda.Tests;

public sealed class NvrtcCompilerTests
{
    [Fact]
    public void Version_is_reported_when_the_library_is_installed()
    {
        NvrtcRequirement.Ensure();
        var version = NvrtcCompiler.TryGetVersion(out _);
        version.Should().NotBeNull();
        version!.Major.Should().BeGreaterThanOrEqualTo(11);
    }

    [Fact]
    public void A_compile_error_names_the_call_the_program_and_carries_the_log()
    {
        NvrtcRequirement.Ensure();
        const string broken = "extern \"C\" __global__ void k(float* x) { x[0] = undeclared_name; }";

        var error = FluentActions.Invoking(() => NvrtcCompiler.CompileToPtx(broken, "broken.cu", "sm_80"))
            .Should().Throw<NvrtcException>().Which;

        error.ErrorName.Should().Be("NVRTC_ERROR_COMPILATION");
        error.Call.Should().Be("nvrtcCompileProgram");
        error.Program.Should().Be("broken.cu");
        error.Log.Should().Contain("undeclared_name");
        error.Message.Should().Contain("broken.cu").And.Contain("undeclared_name");
    }

    [Fact]
    public void An_unknown_option_is_reported_as_invalid_option()
    {
        NvrtcRequirement.Ensure();

        var error = FluentActions.Invoking(() => NvrtcCompiler.CompileToPtx("__global__ void k() {}", "k.cu", "sm_80", extraOptions: ["--no-such-option"]))
            .Should().Throw<NvrtcException>().Which;

        error.ErrorName.Should().Be("NVRTC_ERROR_INVALID_OPTION");
    }

    [Theory]
    [InlineData("80")]
    [InlineData("sm_")]
    [InlineData("compute_80")]
    [InlineData("sm_8x")]
    public void A_malformed_architecture_is_refused_before_compiling(string architecture)
    {
        FluentActions.Invoking(() => NvrtcCompiler.ComputeTarget(architecture))
            .Should().Throw<ArgumentException>().WithMessage($"*'{architecture}'*sm_80*");
    }

    [Fact]
    public void Headers_are_resolved_by_name_without_a_file_system()
    {
        NvrtcRequirement.Ensure();
        var headers = new Dictionary<string, string> { ["answer.cuh"] = "#define ANSWER 42" };

        string ptx = NvrtcCompiler.CompileToPtx("#include \"answer.cuh\"\nextern \"C\" __global__ void k(int* x) { x[0] = ANSWER; }", "k.cu", "sm_90", headers);

        ptx.Should().Contain("42").And.Contain(".entry k");
    }
}
