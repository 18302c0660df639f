namespace QuantServe.Engine.Calibration;

/// <summary>How one weight matrix is quantized (TGI's defaults: 4 bits, groups of 128, sym, 1% damping, no act-order).</summary>
public sealed record GptqOptions
{
    public static readonly int[] SupportedBits = [2, 3, 4, 8];

    public int Bits { get; init; } = 4;

    /// <summary>Input columns per group of scales; -1: one group per output row.</summary>
    public int GroupSize { get; init; } = 128;

    public bool Sym { get; init; } = true;

    /// <summary>Damping added to the Hessian's diagonal, as a fraction of its mean.</summary>
    public double PercDamp { get; init; } = 0.01;

    /// <summary>Quantize columns in order of decreasing Hessian diagonal (desc_act).</summary>
    public bool ActOrder { get; init; }

    /// <summary>Columns per lazy batch update.</summary>
    public int BlockSize { get; init; } = 128;

    public void Validate()
    {
        if (Array.IndexOf(SupportedBits, Bits) < 0)
            throw new ArgumentException($"bits {Bits} is not supported; use 2, 3, 4 or 8");
        if (GroupSize == 0 || GroupSize < -1)
            throw new ArgumentException($"group size {GroupSize} is invalid; use a positive number of columns or -1 for one group per row");
        if (!(PercDamp > 0 && PercDamp <= 1))
            throw new ArgumentException($"percdamp {PercDamp} is outside (0, 1]");
        if (BlockSize <= 0)
            throw new ArgumentException($"block size {BlockSize} must be positive");
    }
}
