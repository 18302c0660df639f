using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// A projection whose weights a quantization kernel multiplies: the kernel call is the only part that
/// differs between schemes, so each scheme's linear is this class with its packed weights and kernel.
/// Activations and outputs are fp32; the bias (fp32) is added after the kernel.
/// </summary>
public sealed unsafe class QuantizedLinear : ILinear
{
    private readonly QuantizedMultiply _multiply;
    private readonly float[]? _bias;

    /// <summary>y[rows x OutFeatures] = x[rows x InFeatures] W^T for the packed weights this delegate holds.</summary>
    public delegate void QuantizedMultiply(float* input, float* output, int rows);

    public QuantizedLinear(string scheme, int inFeatures, int outFeatures, long weightBytes, QuantizedMultiply multiply, float[]? bias)
    {
        ArgumentNullException.ThrowIfNull(multiply);
        if (bias is not null && bias.Length != outFeatures)
        {
            throw new ArgumentException($"bias has {bias.Length} values for {outFeatures} outputs", nameof(bias));
        }

        Scheme = scheme;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        WeightBytes = weightBytes;
        _multiply = multiply;
        _bias = bias;
    }

    /// <summary>The --quantize name of the format the weights are in.</summary>
    public string Scheme { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public long WeightBytes { get; }

    public void Forward(float* input, float* output, int rows)
    {
        _multiply(input, output, rows);
        if (_bias is null)
        {
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            var y = new Span<float>(output + ((long)r * OutFeatures), OutFeatures);
            VectorOps.Add(y, _bias, y);
        }
    }

    // Packed weights live in pinned managed arrays owned by the kernel objects; nothing native to free.
    public void Dispose()
    {
    }
}
