namespace QuantServe.Kernels.Tests.Cpu;

/// <summary>
/// Every error the kernel tests allow, in one place, with the reason. u = 2^-24 is the unit roundoff
/// of fp32 (half an ulp of 1). "Exact" always means the same formula in float64 on the same fp32
/// inputs (f16/bf16 weights are widened exactly first, so no quantization error is ever counted).
///
/// | kernel                  | allowed |err| vs float64                   | why |
/// | ----------------------- | ---------------------------------------- | --- |
/// | conversions             | 0 (bit-exact, NaN stays NaN)             | widening is exact; narrowing is defined as round-to-nearest-even |
/// | Add, Scale, Axpy        | u * |exact| (+ tiniest subnormal)        | one rounding (Axpy is fused) |
/// | Rope                    | 2u * (|a*cos| + |b*sin|)                 | two products and one add, each rounded once |
/// | Dot, MatMul             | (k + 2) u * sum |a_i * b_i|              | fp32 recursive summation bound gamma_k; SIMD order is shallower |
/// | RmsNorm                 | (n + 8) u * |exact|                      | sum of n squares (all positive, so relative), sqrt, divide, two products |
/// | Softmax                 | (n + 4 + 2*range) u * |exact| + 1e-30    | exp is within ~1 ulp, x - max rounds relative to range = max|x - max|, sum of n, divide |
/// | LogSumExp               | (n + 4 + 2*range) u * (1 + |exact|)      | as Softmax, then a log (absolute error ~u * |exact| plus sum error) |
/// | SwiGlu                  | 8u * |exact| + 1e-37                     | exp (~1 ulp) then add, divide, multiply: a few roundings |
///
/// SIMD versus scalar reference: elementwise kernels (conversions, Add, Scale, Axpy, Rope) must
/// agree bit for bit (same operations, same roundings); reductions and exp-based kernels each meet the
/// bound above against float64 (their orders of summation and exp implementations differ).
/// </summary>
internal static class Tolerances
{
    public const double U = 1.0 / (1 << 24);

    // Results at or below the smallest normal fp32 carry absolute, not relative, rounding error.
    public const double SubnormalFloor = 1.5e-45;

    public static double OneRounding(double exact) => (U * Math.Abs(exact)) + SubnormalFloor;

    public static double Rope(double productA, double productB) => (2 * U * (Math.Abs(productA) + Math.Abs(productB))) + SubnormalFloor;

    public static double Summation(int terms, double sumOfAbsoluteTerms) => ((terms + 2) * U * sumOfAbsoluteTerms) + SubnormalFloor;

    public static double RmsNorm(int n, double exact) => ((n + 8) * U * Math.Abs(exact)) + SubnormalFloor;

    public static double Softmax(int n, double range, double exact) => ((n + 4 + (2 * range)) * U * Math.Abs(exact)) + 1e-30;

    public static double LogSumExp(int n, double range, double exact) => (n + 4 + (2 * range)) * U * (1 + Math.Abs(exact));

    public static double SwiGlu(double exact) => (8 * U * Math.Abs(exact)) + 1e-37;
}
