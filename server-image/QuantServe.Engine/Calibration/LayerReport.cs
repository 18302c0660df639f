namespace QuantServe.Engine.Calibration;

/// <summary>One quantized projection: its block, name (<c>self_attn.q_proj</c>), the seconds its update took and GPTQ's error (0 for RTN).</summary>
public sealed record LayerReport(int Block, string Layer, int Index, int Total, double Seconds, double Error);
