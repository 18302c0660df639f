using System.Runtime.Intrinsics;

namespace QuantServe.Kernels.Quantized;

/// <summary>How <see cref="ScaledRowDot{TCodes}"/> turns one-byte weight codes into fp32 (before the row scale).</summary>
internal unsafe interface IByteCodes
{
    /// <summary>Codes p[0..16) as floats (AVX-512 path).</summary>
    static abstract Vector512<float> Decode16(byte* p);

    /// <summary>Codes p[0..8) as floats (AVX2 path).</summary>
    static abstract Vector256<float> Decode8(byte* p);

    static abstract float Decode1(byte* p);
}
