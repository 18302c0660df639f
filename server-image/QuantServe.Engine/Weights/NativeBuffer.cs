using System.Runtime.InteropServices;

namespace QuantServe.Engine.Weights;

/// <summary>A 64-byte aligned block of native memory (weights converted at load, workspaces), freed on dispose.</summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    private void* _pointer;

    public NativeBuffer(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Length = bytes;
        _pointer = NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        NativeMemory.Clear(_pointer, (nuint)Math.Max(bytes, 1));
    }

    public long Length { get; }

    public void* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(NativeBuffer));

    public Span<T> AsSpan<T>() where T : unmanaged => new(Pointer, checked((int)(Length / sizeof(T))));

    public void Dispose()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
