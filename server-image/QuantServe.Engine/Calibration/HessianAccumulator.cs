using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// H = 2 X X^T / samples over the inputs a linear layer sees, X [K x all tokens], as GPTQ's add_batch
/// accumulates it (samples counts calibration sequences, not tokens). Each sequence adds X_s X_s^T
/// through the fp32 matrix kernel.
/// </summary>
public sealed unsafe class HessianAccumulator(int inFeatures)
{
    private readonly float[] _sum = new float[(long)inFeatures * inFeatures];
    private float[] _transposed = [];
    private float[] _product = [];

    public int InFeatures => inFeatures;
    public int Samples { get; private set; }

    /// <summary>Adds one sequence's inputs, [rows x K] row-major.</summary>
    public void Add(float* input, int rows)
    {
        int k = inFeatures;
        if (_transposed.Length < (long)rows * k)
            _transposed = new float[(long)rows * k];
        if (_product.Length == 0)
            _product = new float[(long)k * k];
        var transposed = _transposed;
        for (int t = 0; t < rows; t++)
            for (int c = 0; c < k; c++)
                transposed[(long)c * rows + t] = input[(long)t * k + c];
        fixed (float* xt = transposed, p = _product)
            MatMul.F32(xt, xt, p, k, k, rows);
        VectorOps.Add(_sum, _product, _sum);
        Samples++;
    }

    /// <summary>The Hessian (a new array the solver may overwrite).</summary>
    public float[] ToHessian()
    {
        if (Samples == 0)
            throw new InvalidOperationException("no calibration inputs were captured for this layer");
        var h = (float[])_sum.Clone();
        VectorOps.Scale(h, 2f / Samples);
        return h;
    }
}
