using System.Runtime.CompilerServices;

namespace QuantServe.Kernels.Cuda;

/// <summary>
/// A kernel's parameters in order, each in its own 8-byte slot, and the array of pointers to them that
/// cuLaunchKernel reads. Slots live on the pinned heap, so the pointers stay valid without fixing.
/// </summary>
public sealed unsafe class KernelArguments
{
    private const int MaxArguments = 32;

    private readonly long[] _slots = GC.AllocateArray<long>(MaxArguments, pinned: true);
    private readonly IntPtr[] _pointers = GC.AllocateArray<IntPtr>(MaxArguments, pinned: true);
    private int _count;

    public int Count => _count;

    internal void** Pointers => (void**)Unsafe.AsPointer(ref _pointers[0]);

    public KernelArguments Add<T>(DeviceBuffer<T> buffer) where T : unmanaged => AddValue(buffer.Pointer);

    /// <summary>A device pointer that may be absent (null in the kernel), e.g. gptq's g_idx without act-order.</summary>
    public KernelArguments AddOptional<T>(DeviceBuffer<T>? buffer) where T : unmanaged => AddValue(buffer?.Pointer ?? 0UL);

    public KernelArguments Add(int value) => AddValue(value);

    public KernelArguments Add(long value) => AddValue(value);

    public KernelArguments Add(float value) => AddValue(value);

    private KernelArguments AddValue<T>(T value) where T : unmanaged
    {
        if (_count == MaxArguments)
            throw new InvalidOperationException($"a kernel takes at most {MaxArguments} arguments here");
        ref long slot = ref _slots[_count];
        slot = 0;
        Unsafe.As<long, T>(ref slot) = value;
        _pointers[_count] = (IntPtr)Unsafe.AsPointer(ref slot);
        _count++;
        return this;
    }
}
