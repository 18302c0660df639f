namespace QuantServe.Engine.Calibration;

/// <summary>The totals of a quantize run.</summary>
public sealed record QuantizeSummary(string OutputDirectory, int Layers, double Seconds, double TotalError, long CalibrationTokens, long PeakWorkingSetBytes);
