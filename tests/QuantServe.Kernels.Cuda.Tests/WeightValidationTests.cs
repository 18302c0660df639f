using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>
/// Uploads check shapes before touching the device, so bad checkpoints are refused with a message naming the
/// tensor even here; the device argument is never reached (null stands in for it).
/// </summary>
public sealed class WeightValidationTests
{
    [Fact]
    public void Gptq_refuses_a_g_idx_entry_outside_the_groups()
    {
        int[] gIdx = [0, 1, 2, 0, 1, 2, 0, 5];

        FluentActions.Invoking(() => GptqDeviceWeights.Upload(null!, 4, 8, true, 8, 8, new int[8], new int[3], new Half[24], gIdx))
            .Should().Throw<ArgumentException>().WithMessage("*g_idx[7] = 5*[0, 3)*");
    }

    [Fact]
    public void Gptq_refuses_bit_widths_without_a_kernel()
    {
        FluentActions.Invoking(() => GptqDeviceWeights.Upload(null!, 3, 32, true, 32, 32, [], [], [], []))
            .Should().Throw<ArgumentException>().WithMessage("*only 4 and 8 bits*");
    }

    [Fact]
    public void Gptq_refuses_a_qweight_of_the_wrong_size()
    {
        FluentActions.Invoking(() => GptqDeviceWeights.Upload(null!, 4, 8, false, 8, 16, new int[15], new int[1], new Half[8], []))
            .Should().Throw<ArgumentException>().WithMessage("*qweight has 15 values, expected 16 ([2, 8])*");
    }

    [Fact]
    public void Awq_refuses_scales_that_do_not_match_the_group_size()
    {
        FluentActions.Invoking(() => AwqDeviceWeights.Upload(null!, 4, 8, 8, new int[8], new int[2], new Half[8]))
            .Should().Throw<ArgumentException>().WithMessage("*scales has 8 values, expected 16*");
    }

    [Fact]
    public void Bnb4_refuses_a_block_size_that_splits_a_32_weight_load()
    {
        FluentActions.Invoking(() => Bnb4DeviceWeights.Upload(null!, "nf4", new byte[32], new float[16], new float[4], 16, 2, 32))
            .Should().Throw<ArgumentException>().WithMessage("nf4: block size 16 is not a multiple of 32*");
    }

    [Fact]
    public void Fp8_refuses_nan_codes_naming_the_position()
    {
        var codes = new byte[2 * 16];
        codes[16 + 3] = 0xFF;

        FluentActions.Invoking(() => Fp8DeviceWeights.Upload(null!, codes, new float[2], 2, 16))
            .Should().Throw<ArgumentException>().WithMessage("*codes[1, 3] is NaN (0xFF)*");
    }

    [Fact]
    public void Dense_weights_need_in_features_in_multiples_of_8()
    {
        FluentActions.Invoking(() => DenseDeviceWeights.UploadF16(null!, new Half[12], 1, 12))
            .Should().Throw<ArgumentException>().WithMessage("fp16: in_features 12 is not a multiple of 8*");
    }
}
