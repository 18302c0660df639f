using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Engine.Quantization;

/// <summary>A projection whose weight is a <see cref="GptqMatrix"/> (gptq, awq, marlin and exl2 all load into one).</summary>
public sealed unsafe class GptqLinear(GptqMatrix matrix, float[]? bias) : ILinear
{
    public int InFeatures => matrix.InFeatures;
    public int OutFeatures => matrix.OutFeatures;
    public long WeightBytes => matrix.WeightBytes;
    public GptqMatrix Matrix => matrix;

    public void Forward(float* input, float* output, int rows)
    {
        matrix.Multiply(input, output, rows);
        if (bias is null)
            return;
        for (int r = 0; r < rows; r++)
        {
            var y = new Span<float>(output + (long)r * OutFeatures, OutFeatures);
            VectorOps.Add(y, bias, y);
        }
    }

    public void Dispose() => matrix.Dispose();
}
