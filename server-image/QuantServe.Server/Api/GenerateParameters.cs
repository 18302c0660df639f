using System.Text.Json.Nodes;

namespace QuantServe.Server.Api;

/// <summary>TGI's `parameters` object (router/src/lib.rs GenerateParameters), snake_case on the wire.</summary>
public sealed class GenerateParameters
{
    public int? BestOf { get; set; }
    public float? Temperature { get; set; }
    public float? RepetitionPenalty { get; set; }
    public float? FrequencyPenalty { get; set; }
    public int? TopK { get; set; }
    public float? TopP { get; set; }
    public float? TypicalP { get; set; }
    public bool DoSample { get; set; }
    public int? MaxNewTokens { get; set; }
    public bool? ReturnFullText { get; set; }
    public List<string>? Stop { get; set; }
    public int? Truncate { get; set; }
    public bool Watermark { get; set; }
    public bool Details { get; set; }
    public bool DecoderInputDetails { get; set; }
    public ulong? Seed { get; set; }
    public int? TopNTokens { get; set; }
    public JsonNode? Grammar { get; set; }
    public string? AdapterId { get; set; }
}
