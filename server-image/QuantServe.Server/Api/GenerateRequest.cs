namespace QuantServe.Server.Api;

/// <summary>TGI's request body for /generate, /generate_stream and `/` (where `stream` picks the route).</summary>
public sealed class GenerateRequest
{
    public string? Inputs { get; set; }
    public GenerateParameters? Parameters { get; set; }
    public bool Stream { get; set; }
}
