namespace QuantServe.Kernels.Cuda;

/// <summary>A grid or block shape (dim3).</summary>
public readonly record struct LaunchShape(uint X, uint Y = 1, uint Z = 1)
{
    public long Count => (long)X * Y * Z;

    /// <summary>ceil(total / per) blocks: the usual one-dimensional grid.</summary>
    public static uint Blocks(long total, long per) => checked((uint)((total + per - 1) / per));

    public override string ToString() => $"({X}, {Y}, {Z})";
}
