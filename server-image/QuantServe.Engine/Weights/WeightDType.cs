namespace QuantServe.Engine.Weights;

/// <summary>Element types an unquantized weight matrix may be kept in.</summary>
public enum WeightDType
{
    F32,
    F16,
    BF16,
}
