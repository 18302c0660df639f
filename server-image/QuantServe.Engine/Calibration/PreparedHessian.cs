namespace QuantServe.Engine.Calibration;

/// <summary>
/// A Hessian made ready for GPTQ: <see cref="Factor"/> = U, the upper Cholesky factor of the damped
/// inverse in processing order ([K x K]), the processing order (act-order permutation or identity) and
/// the input columns no calibration token reached. Made by <see cref="GptqSolver.Prepare"/>.
/// </summary>
public sealed record PreparedHessian(int InFeatures, float[] Factor, int[] Permutation, int[] DeadColumns, bool ActOrder);
