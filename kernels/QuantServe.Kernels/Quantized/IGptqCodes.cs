namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Reads the unsigned integer code of one weight from a checkpoint's own packing, so that
/// <see cref="GptqMatrix.Create{TCodes}"/> can repack any format without an unpacked copy.
/// A struct implementation keeps the call inlined.
/// </summary>
public interface IGptqCodes
{
    /// <summary>The code at stored row <paramref name="storedRow"/> (see <see cref="GptqMatrix"/>), output column <paramref name="column"/>.</summary>
    uint Code(int storedRow, int column);
}
