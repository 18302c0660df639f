namespace QuantServe.Kernels.Quantized;

/// <summary>A weight-only format that can write one weight row as fp32 (for the prefill path, a few rows at a time).</summary>
internal unsafe interface IRowDequantizer
{
    /// <summary>destination[0..k) = W[j, :] in fp32.</summary>
    void DequantizeRow(int j, float* destination);
}
