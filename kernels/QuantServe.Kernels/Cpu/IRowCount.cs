namespace QuantServe.Kernels.Cpu;

/// <summary>
/// A row count known when the JIT specialises a kernel (C# has no const generics): the matmul tile is
/// compiled once per count of x rows, with the unused rows' code removed.
/// </summary>
internal interface IRowCount
{
    static abstract int Value { get; }
}

internal readonly struct OneRow : IRowCount
{
    public static int Value => 1;
}

internal readonly struct TwoRows : IRowCount
{
    public static int Value => 2;
}

internal readonly struct ThreeRows : IRowCount
{
    public static int Value => 3;
}

internal readonly struct FourRows : IRowCount
{
    public static int Value => 4;
}
