using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QuantServe.Kernels.Quantized;

/// <summary>
/// Arrays on the pinned object heap: packed weights are allocated once at load and read through raw
/// pointers by the kernels on several threads, so they must never move.
/// </summary>
internal static unsafe class PinnedArrays
{
    public static T[] Allocate<T>(int length)
        where T : unmanaged => GC.AllocateUninitializedArray<T>(length, pinned: true);

    public static T[] Copy<T>(ReadOnlySpan<T> source)
        where T : unmanaged
    {
        var array = Allocate<T>(source.Length);
        source.CopyTo(array);
        return array;
    }

    /// <summary>The first element's address; valid for the array's lifetime because it is pinned.</summary>
    public static T* Pointer<T>(T[] pinned)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
