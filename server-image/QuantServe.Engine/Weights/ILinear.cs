namespace QuantServe.Engine.Weights;

/// <summary>
/// One projection y = x W^T (+ b). The model only ever sees this interface: how W is stored
/// (fp32, fp16, bf16 or a quantized format) is the business of the loader that made it.
/// </summary>
public interface ILinear : IDisposable
{
    int InFeatures { get; }
    int OutFeatures { get; }

    /// <summary>Bytes of weight data one forward reads (the cost that bounds decoding).</summary>
    long WeightBytes { get; }

    /// <summary>output[rows x OutFeatures] = input[rows x InFeatures] W^T (+ bias). Row-major, fp32.</summary>
    unsafe void Forward(float* input, float* output, int rows);
}
