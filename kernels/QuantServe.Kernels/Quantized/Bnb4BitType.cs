namespace QuantServe.Kernels.Quantized;

/// <summary>The two 4-bit code tables of bitsandbytes (quant_type "nf4" / "fp4").</summary>
public enum Bnb4BitType
{
    Nf4,
    Fp4,
}
