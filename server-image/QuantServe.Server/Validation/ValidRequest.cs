using QuantServe.Engine.Generation;

namespace QuantServe.Server.Validation;

/// <summary>A request that passed TGI's validation: what the engine runs plus what the response must report.</summary>
public sealed record ValidRequest(
    string Inputs,
    GenerationRequest Generation,
    bool Details,
    bool DecoderInputDetails,
    bool ReturnFullText,
    int BestOf,
    TimeSpan ValidationTime);
