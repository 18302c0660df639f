using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Weights;

/// <summary>An unquantized projection: fp32/fp16/bf16 weights, fp32 activations and accumulation.</summary>
public sealed unsafe class DenseLinear(DenseMatrix weight, float[]? bias, bool ownsWeight = true) : ILinear
{
    public int InFeatures => weight.Cols;
    public int OutFeatures => weight.Rows;
    public long WeightBytes => weight.Bytes;
    public DenseMatrix Weight => weight;

    public void Forward(float* input, float* output, int rows)
    {
        weight.MultiplyTransposed(input, output, rows);
        if (bias is null)
            return;
        for (int r = 0; r < rows; r++)
        {
            var y = new Span<float>(output + (long)r * OutFeatures, OutFeatures);
            VectorOps.Add(y, bias, y);
        }
    }

    public void Dispose()
    {
        if (ownsWeight)
            weight.Dispose();
    }
}
