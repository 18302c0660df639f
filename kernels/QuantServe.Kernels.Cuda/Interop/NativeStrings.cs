using System.Runtime.InteropServices;
using System.Text;

namespace QuantServe.Kernels.Cuda.Interop;

/// <summary>Zero-terminated UTF-8 copies of strings (and arrays of them) for native calls, freed together.</summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<IntPtr> _allocations = [];

    public byte* One(string text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        byte* p = (byte*)Keep(length + 1);
        Encoding.UTF8.GetBytes(text, new Span<byte>(p, length));
        p[length] = 0;
        return p;
    }

    public byte** Array(string[] texts)
    {
        byte** array = (byte**)Keep(Math.Max(1, texts.Length) * sizeof(byte*));
        for (int i = 0; i < texts.Length; i++)
            array[i] = One(texts[i]);
        return array;
    }

    public void Dispose()
    {
        foreach (IntPtr p in _allocations)
            NativeMemory.Free((void*)p);
        _allocations.Clear();
    }

    private void* Keep(int bytes)
    {
        void* p = NativeMemory.Alloc((nuint)bytes);
        _allocations.Add((IntPtr)p);
        return p;
    }
}
