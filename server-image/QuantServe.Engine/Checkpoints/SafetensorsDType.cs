namespace QuantServe.Engine.Checkpoints;

/// <summary>
/// The element types of safetensors tensors that the engine reads. The names are the strings the
/// format stores in the header's "dtype" field (see <see cref="SafetensorsDTypes"/>).
/// </summary>
public enum SafetensorsDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    BOOL,

    /// <summary>float8 e4m3fn: 1 sign, 4 exponent (bias 7), 3 mantissa bits, no infinities, S.1111.111 is NaN.</summary>
    F8_E4M3,
}
