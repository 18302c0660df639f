using System.Diagnostics;
using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Sampling;
using QuantServe.Engine.Tokenization;
using QuantServe.Server.Api;

namespace QuantServe.Server.Validation;

/// <summary>
/// TGI's request validation (router/src/validation.rs), with its messages, turning a TGI request into
/// an engine request. Every failure is an <see cref="ApiError"/> with status 422.
/// </summary>
public sealed class RequestValidator(Tokenizer tokenizer, ServerOptions options)
{
    public ValidRequest Validate(string? inputs, GenerateParameters? parameters, bool streaming, bool addSpecialTokens = true)
    {
        var clock = Stopwatch.StartNew();
        var p = parameters ?? new GenerateParameters();
        int maxInput = options.MaxInputTokens!.Value, maxTotal = options.MaxTotalTokens!.Value;

        int bestOf = p.BestOf ?? 1;
        if (bestOf <= 0 || bestOf > options.MaxBestOf)
            throw ApiError.Validation($"`best_of` must be > 0 and <= {options.MaxBestOf}. Given: {bestOf}");
        var sampling = new SamplingParameters
        {
            DoSample = p.DoSample,
            Temperature = p.Temperature,
            TopK = p.TopK,
            TopP = p.TopP,
            TypicalP = p.TypicalP,
            RepetitionPenalty = p.RepetitionPenalty,
            FrequencyPenalty = p.FrequencyPenalty,
            Seed = p.Seed,
        };
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException e)
        {
            throw ApiError.Validation(e.Message);
        }
        if (bestOf > 1)
        {
            if (streaming)
                throw ApiError.Validation("`best_of` != 1 is not supported when streaming tokens");
            if (!sampling.IsSampling)
                throw ApiError.Validation("you must use sampling when `best_of` is > 1");
            if (p.Seed is not null)
                throw ApiError.Validation("`seed` must not be set when `best_of` > 1");
        }
        int topN = p.TopNTokens ?? 0;
        if (topN < 0 || topN > options.MaxTopNTokens)
            throw ApiError.Validation($"`top_n_tokens` must be >= 0 and <= {options.MaxTopNTokens}. Given: {topN}");
        if (p.DecoderInputDetails && streaming)
            throw ApiError.Validation("`decoder_input_details` == true is not supported when streaming tokens");
        if (p.MaxNewTokens is <= 0)
            throw ApiError.Validation("`max_new_tokens` must be strictly positive");
        var stop = p.Stop ?? [];
        if (stop.Count > options.MaxStopSequences)
            throw ApiError.Validation($"`stop` supports up to {options.MaxStopSequences} stop sequences. Given: {stop.Count}");
        if (p.Truncate is int truncate && (truncate <= 0 || truncate > maxInput))
            throw ApiError.Validation($"`truncate` must be strictly positive and less than {maxInput}. Given: {truncate}");
        if (p.Watermark)
            throw ApiError.Validation("`watermark` is not supported by this server");
        if (p.Grammar is not null)
            throw ApiError.Validation("Grammar and constraint generation is not supported by this model");
        if (!string.IsNullOrEmpty(p.AdapterId))
            throw ApiError.Validation($"adapter `{p.AdapterId}` is not loaded: this server serves no LoRA adapters");
        if (string.IsNullOrEmpty(inputs))
            throw ApiError.Validation("`inputs` cannot be empty");

        int[] ids = tokenizer.Encode(inputs, addSpecialTokens);
        if (p.Truncate is int keep && ids.Length > keep)
            ids = ids[^keep..];
        if (ids.Length > maxInput)
            throw ApiError.Validation($"`inputs` must have less than {maxInput} tokens. Given: {ids.Length}");
        int maxNew = p.MaxNewTokens ?? maxTotal - ids.Length;
        if (ids.Length + maxNew > maxTotal)
            throw ApiError.Validation($"`inputs` tokens + `max_new_tokens` must be <= {maxTotal}. Given: {ids.Length} `inputs` tokens and {maxNew} `max_new_tokens`");

        var generation = new GenerationRequest
        {
            PromptTokens = ids,
            Sampling = sampling,
            MaxNewTokens = maxNew,
            StopSequences = stop,
            PromptLogprobs = p.DecoderInputDetails,
            TopNTokens = topN,
        };
        return new ValidRequest(inputs, generation, p.Details, p.DecoderInputDetails, p.ReturnFullText ?? false, bestOf, clock.Elapsed);
    }
}
