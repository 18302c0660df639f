using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// H = 2 X X^T / samples over the inputs a linear layer sees, X [K x all tokens], as GPTQ's add_batch
/// accumulates it (samples counts calibration sequences, not tokens). Each sequence adds X_s X_s^T
/// through the fp32 matrix kernel.
/// </summary>
public sealed unsafe class HessianAccumulator(int inFeatures)
{
    private float[] _sum = new float[(long)inFeatures * inFeatures];
    private float[] _transposed = [];
    private float[] _product = [];

    public int InFeatures => inFeatures;
    public int Samples { get; private set; }

    /// <summary>Adds one sequence's inputs, [rows x K] row-major.</summary>
    public void Add(float* input, int rows)
    {
        if (_sum.Length == 0)
            throw new InvalidOperationException("the Hessian was already taken");
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

    /// <summary>The Hessian, once: the accumulator gives its buffer away (the solver overwrites it).</summary>
    public float[] ToHessian()
    {
        if (Samples == 0)
            throw new InvalidOperationException("no calibration inputs were captured for this layer");
        if (_sum.Length == 0)
            throw new InvalidOperationException("the Hessian was already taken");
        // The sum itself is handed over (scaled), and the scratch buffers are let go: the solver needs the memory.
        _transposed = [];
        _product = [];
        var h = _sum;
        _sum = [];
        VectorOps.Scale(h, 2f / Samples);
        return h;
    }
}
