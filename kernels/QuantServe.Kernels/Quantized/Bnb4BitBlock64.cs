using System.Runtime.InteropServices;

namespace QuantServe.Kernels.Quantized;

/// <summary>One block of 64 packed 4-bit codes as bitsandbytes lays it out: byte i holds elements 2i (high nibble) and 2i+1 (low nibble).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct Bnb4BitBlock64
{
    public const int Elements = 64;

    public fixed byte Codes[Elements / 2];
}
