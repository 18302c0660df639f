using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class SamplingParametersTests
{
    public static TheoryData<SamplingParameters, string> InvalidParameters => new()
    {
        { new SamplingParameters { Temperature = 0f }, "`temperature` must be strictly positive" },
        { new SamplingParameters { Temperature = -0.5f }, "`temperature` must be strictly positive" },
        { new SamplingParameters { Temperature = float.NaN }, "`temperature` must be strictly positive" },
        { new SamplingParameters { RepetitionPenalty = 0f }, "`repetition_penalty` must be strictly positive" },
        { new SamplingParameters { RepetitionPenalty = -1f }, "`repetition_penalty` must be strictly positive" },
        { new SamplingParameters { FrequencyPenalty = 2.01f }, "`frequency_penalty` must be >= -2.0 and <= 2.0" },
        { new SamplingParameters { FrequencyPenalty = -2.5f }, "`frequency_penalty` must be >= -2.0 and <= 2.0" },
        { new SamplingParameters { FrequencyPenalty = float.NaN }, "`frequency_penalty` must be >= -2.0 and <= 2.0" },
        { new SamplingParameters { TopP = 0f }, "`top_p` must be > 0.0 and < 1.0" },
        { new SamplingParameters { TopP = 1f }, "`top_p` must be > 0.0 and < 1.0" },
        { new SamplingParameters { TopP = 1.5f }, "`top_p` must be > 0.0 and < 1.0" },
        { new SamplingParameters { TypicalP = 0f }, "`typical_p` must be > 0.0 and < 1.0" },
        { new SamplingParameters { TypicalP = 1f }, "`typical_p` must be > 0.0 and < 1.0" },
        { new SamplingParameters { TopK = 0 }, "`top_k` must be strictly positive" },
        { new SamplingParameters { TopK = -3 }, "`top_k` must be strictly positive" },
    };

    [Theory]
    [MemberData(nameof(InvalidParameters))]
    public void Validate_RejectsOutOfRangeValuesWithTgiMessage(SamplingParameters parameters, string message)
    {
        var validate = parameters.Validate;

        validate.Should().Throw<ArgumentException>().Which.Message.Should().Be(message);
    }

    [Fact]
    public void Validate_AcceptsBoundaryAndUnsetValues()
    {
        new SamplingParameters().Validate();
        new SamplingParameters
        {
            Temperature = 1e-6f,
            RepetitionPenalty = 1e-6f,
            FrequencyPenalty = -2f,
            TopP = 0.999f,
            TypicalP = 0.001f,
            TopK = 1,
            Seed = ulong.MaxValue,
        }.Validate();
        new SamplingParameters { FrequencyPenalty = 2f }.Validate();
    }

    [Fact]
    public void Sampler_RejectsInvalidParameters()
    {
        var create = () => new Sampler(new SamplingParameters { TopK = 0 }, 10);

        create.Should().Throw<ArgumentException>().WithMessage("`top_k` must be strictly positive");
    }

    public static TheoryData<SamplingParameters, bool> SamplingModes => new()
    {
        { new SamplingParameters(), false },
        { new SamplingParameters { DoSample = true }, true },
        { new SamplingParameters { Temperature = 1.0f }, false },
        { new SamplingParameters { Temperature = 0.7f }, true },
        { new SamplingParameters { TopK = 5 }, true },
        { new SamplingParameters { TopP = 0.9f }, true },
        { new SamplingParameters { TypicalP = 0.9f }, true },
        { new SamplingParameters { RepetitionPenalty = 1.2f, FrequencyPenalty = 0.5f }, false },
        { new SamplingParameters { Seed = 7 }, false },
    };

    [Theory]
    [MemberData(nameof(SamplingModes))]
    public void IsSampling_FollowsTgi_AnyActiveWarperTurnsSamplingOn(SamplingParameters parameters, bool expected)
    {
        parameters.IsSampling.Should().Be(expected);
        new Sampler(parameters, 4).IsSampling.Should().Be(expected);
    }
}
