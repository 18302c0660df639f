namespace QuantServe.Engine.Calibration;

/// <summary>
/// The uniform grid of one group of one output row, as GPTQ's Quantizer fits it for weights: the range
/// [min(x, 0), max(x, 0)] (made symmetric with sym), scale = range / maxq, zero = (maxq + 1) / 2 with sym
/// or round(-min / scale) without; code = clamp(round(x / scale) + zero, 0, maxq), rounding half to even
/// like torch.round. The scale is rounded to fp16 when fitted, so that the error GPTQ feeds back is the
/// error of the weights the fp16-scaled checkpoint serves. Without sym the zero is kept at 1 or more:
/// v1 checkpoints store zero - 1 and readers add the 1 back without wrapping, so zero 0 cannot be stored.
/// </summary>
public readonly record struct QuantizationGrid(float Scale, int Zero, int MaxCode)
{
    public static QuantizationGrid Fit(ReadOnlySpan<float> values, int bits, bool sym)
    {
        int maxq = (1 << bits) - 1;
        float min = 0, max = 0;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (sym)
        {
            max = Math.Max(-min, max);
            if (min < 0)
                min = -max;
        }
        if (min == 0 && max == 0)
        {
            min = -1;
            max = 1;
        }
        float scale = (float)(Half)((max - min) / maxq);
        if (scale == 0)
            scale = (float)Half.Epsilon; // a range below fp16's smallest step still needs a non-zero scale
        int zero = sym ? (maxq + 1) / 2 : Math.Clamp((int)MathF.Round(-min / scale, MidpointRounding.ToEven), 1, maxq);
        return new QuantizationGrid(scale, zero, maxq);
    }

    public int Code(float value) =>
        Math.Clamp((int)MathF.Round(value / Scale, MidpointRounding.ToEven) + Zero, 0, MaxCode);

    public float Dequantize(int code) => Scale * (code - Zero);
}
