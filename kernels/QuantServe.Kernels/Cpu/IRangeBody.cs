namespace QuantServe.Kernels.Cpu;

/// <summary>
/// Work that <see cref="KernelThreads.For{TBody}(int, TBody)"/> splits over threads: Run is called
/// with disjoint contiguous ranges [start, end) from several threads at once, so it must only read
/// shared state and write to locations its range owns.
/// </summary>
public interface IRangeBody
{
    void Run(int start, int end);
}
