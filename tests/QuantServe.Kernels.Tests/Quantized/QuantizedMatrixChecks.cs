using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>The checks every pre-quantized format goes through once repacked into a <see cref="GptqMatrix"/>.</summary>
internal static unsafe class QuantizedMatrixChecks
{
    /// <summary>Every dequantized element equals the packer's (both are fp16 scale x small integer: exact in fp32).</summary>
    public static void DequantizedEquals(GptqMatrix matrix, double[] expected)
    {
        int k = matrix.InFeatures, n = matrix.OutFeatures;
        var row = new float[k];
        for (int c = 0; c < n; c++)
        {
            matrix.DequantizeRow(c, row);
            for (int i = 0; i < k; i++)
                if (row[i] != (float)expected[c * k + i])
                    throw new Xunit.Sdk.XunitException($"W[{c}, {i}] = {row[i]}, packer says {expected[c * k + i]}");
        }
    }

    /// <summary>SIMD, scalar reference and a float64 product of the packer's matrix agree, for GEMV and GEMM row counts.</summary>
    public static void ProductsAgree(GptqMatrix matrix, double[] expected, params int[] rowCounts)
    {
        int k = matrix.InFeatures, n = matrix.OutFeatures;
        var rng = new Random(7);
        foreach (int rows in rowCounts)
        {
            var x = new float[rows * k];
            for (int i = 0; i < x.Length; i++)
                x[i] = (float)(rng.NextDouble() * 2 - 1);
            var simd = new float[rows * n];
            var scalar = new float[rows * n];
            fixed (float* xp = x)
            fixed (float* sp = simd)
            fixed (float* rp = scalar)
            {
                matrix.Multiply(xp, sp, rows);
                matrix.MultiplyReference(xp, rp, rows);
            }
            for (int m = 0; m < rows; m++)
                for (int c = 0; c < n; c++)
                {
                    double exact = 0, magnitude = 0;
                    for (int i = 0; i < k; i++)
                    {
                        exact += (double)x[m * k + i] * expected[c * k + i];
                        magnitude += Math.Abs(x[m * k + i] * expected[c * k + i]);
                    }
                    double tolerance = 1e-5 * magnitude + 1e-6;
                    double s = simd[m * n + c], r = scalar[m * n + c];
                    if (Math.Abs(s - exact) > tolerance || Math.Abs(r - exact) > tolerance)
                        throw new Xunit.Sdk.XunitException(
                            $"rows={rows} y[{m}, {c}]: simd {s}, scalar {r}, float64 {exact} (tolerance {tolerance})");
                }
        }
    }
}
