namespace QuantServe.Engine.Calibration;

/// <summary>
/// A quantized [OutFeatures x InFeatures] matrix before packing: one code per weight (row-major,
/// like the dense weight), per-group scales (fp16-representable) and integer zeros, both [Groups x
/// OutFeatures], and the group of each input column (g_idx; not monotonic with act-order).
/// W[r, c] = Scales[g, r] * (Codes[r, c] - Zeros[g, r]) with g = GroupIndex[c].
/// </summary>
public sealed class QuantizedWeight
{
    public QuantizedWeight(int outFeatures, int inFeatures, int bits, int groupSize, byte[] codes, float[] scales, int[] zeros, int[] groupIndex)
    {
        int groups = groupSize <= 0 ? 1 : (inFeatures + groupSize - 1) / groupSize;
        if (codes.Length != (long)outFeatures * inFeatures || scales.Length != groups * outFeatures || zeros.Length != scales.Length || groupIndex.Length != inFeatures)
            throw new ArgumentException($"quantized weight [{outFeatures}, {inFeatures}] with {groups} groups has inconsistent arrays");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Bits = bits;
        GroupSize = groupSize;
        Groups = groups;
        Codes = codes;
        Scales = scales;
        Zeros = zeros;
        GroupIndex = groupIndex;
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }
    public int Bits { get; }
    public int GroupSize { get; }
    public int Groups { get; }
    public byte[] Codes { get; }
    public float[] Scales { get; }
    public int[] Zeros { get; }
    public int[] GroupIndex { get; }

    /// <summary>Sum over quantized columns of (w - q)^2 / d^2 / 2 (the GPTQ reference's reported error; RTN: 0).</summary>
    public double Error { get; init; }

    /// <summary>The dense matrix the checkpoint will serve, [OutFeatures x InFeatures].</summary>
    public float[] Dequantize()
    {
        var w = new float[Codes.Length];
        int k = InFeatures, n = OutFeatures;
        Parallel.For(0, n, r =>
        {
            for (int c = 0; c < k; c++)
            {
                int g = GroupIndex[c] * n + r;
                w[(long)r * k + c] = Scales[g] * (Codes[(long)r * k + c] - Zeros[g]);
            }
        });
        return w;
    }
}
