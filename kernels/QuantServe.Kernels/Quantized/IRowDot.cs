using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// One quantized format's inner kernel: the dot products of weight row <c>j</c> (one output feature,
/// dequantized on the fly) with <c>TRows.Value</c> consecutive activation rows. Implemented by structs
/// so that <see cref="RowTileBody{TDot}"/> is compiled once per format and row count with everything inlined.
/// </summary>
internal unsafe interface IRowDot
{
    /// <summary>
    /// y[r * ldy] = activation row (firstRow + r) . W[j, :] for r &lt; TRows.Value; the kernel holds the
    /// activations itself, in whatever form its format multiplies (fp32, reordered fp32, int16 codes).
    /// </summary>
    void Dot<TRows>(int j, int firstRow, float* y, int ldy)
        where TRows : struct, IRowCount;
}
