namespace QuantServe.Engine.Calibration;

/// <summary>How weights are rounded: GPTQ's error-compensating update, or round-to-nearest (the baseline, no calibration data).</summary>
public enum QuantizationMethod
{
    Gptq,
    Rtn,
}
