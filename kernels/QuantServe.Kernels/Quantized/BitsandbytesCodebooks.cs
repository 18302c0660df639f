namespace QuantServe.Kernels.Quantized;

/// <summary>
/// The code tables of bitsandbytes' 4-bit types and of its 8-bit dynamic map (used for the double
/// quantization of the 4-bit absmax values), with the nearest-code quantizers bitsandbytes uses.
/// <list type="bullet">
/// <item>NF4: the 16 float32 values bitsandbytes publishes (get_4bit_type("nf4"), the CUDA dequantizer's
/// table), i.e. create_normal_map(offset = 0.9677083): 8 positive and 7 negative standard normal quantiles
/// plus 0, divided by the largest. Code 7 is 0, code 15 is 1.0, code 0 is -1.0.</item>
/// <item>FP4: get_4bit_type("fp4"): bit 3 is the sign, the low three bits index
/// {0, 0.0625, 8, 12, 4, 6, 2, 3}, all divided by 12 in float32.</item>
/// <item>Dynamic 8-bit map: create_dynamic_map(signed = true, max_exponent_bits = 7): for i = 0..6,
/// 2^i bin means of linspace(0.1, 1, 2^i + 1) times 10^(i-6), both signs, plus 0 and 1, sorted. It is
/// evaluated in float32 as torch's scalar CPU path does (linspace: start + step*i in the first half,
/// end - step*(steps-1-i) in the second). Pre-quantized checkpoints carry their own map, which is used
/// verbatim, so an ulp of difference here only affects weights quantized by this project.</item>
/// </list>
/// </summary>
public static class BitsandbytesCodebooks
{
    public const int Nf4ZeroCode = 7;

    private static readonly float[] Nf4Values =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    private static readonly float[] Fp4Values = BuildFp4();
    private static readonly float[] DynamicValues = BuildDynamic();

    // Decision thresholds: midpoints of adjacent codes in ascending value order.
    private static readonly float[] Nf4Midpoints = Midpoints(Nf4Values);
    private static readonly byte[] Fp4PositiveCodesAscending = [0b000, 0b001, 0b110, 0b111, 0b100, 0b101, 0b010, 0b011];
    private static readonly float[] Fp4PositiveMidpoints = Midpoints(Fp4PositiveCodesAscending.Select(c => Fp4Values[c]).ToArray());

    public static ReadOnlySpan<float> Nf4 => Nf4Values;

    public static ReadOnlySpan<float> Fp4 => Fp4Values;

    /// <summary>The 256-entry signed dynamic map, ascending; index 255 is 1.0 and 0 appears once.</summary>
    public static ReadOnlySpan<float> Dynamic => DynamicValues;

    public static ReadOnlySpan<float> For(Bnb4BitType type) => type == Bnb4BitType.Nf4 ? Nf4Values : Fp4Values;

    /// <summary>
    /// NF4 code of <paramref name="x"/> (already divided by the block absmax): the nearest value; an input
    /// exactly on a midpoint takes the lower code, as bitsandbytes' "x &gt; threshold" decision tree does.
    /// </summary>
    public static byte QuantizeNf4(float x)
    {
        // Binary search over the 15 midpoints: the code is the number of midpoints strictly below x.
        int lo = 0, hi = Nf4Midpoints.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (x > Nf4Midpoints[mid])
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return (byte)lo;
    }

    /// <summary>FP4 code of <paramref name="x"/>: sign bit for x &lt; 0, then the nearest magnitude (ties go down).</summary>
    public static byte QuantizeFp4(float x)
    {
        byte sign = x < 0 ? (byte)0b1000 : (byte)0;
        float magnitude = MathF.Abs(x);
        int index = 0;
        while (index < Fp4PositiveMidpoints.Length && magnitude > Fp4PositiveMidpoints[index])
        {
            index++;
        }

        return (byte)(sign | Fp4PositiveCodesAscending[index]);
    }

    public static byte Quantize(Bnb4BitType type, float x) => type == Bnb4BitType.Nf4 ? QuantizeNf4(x) : QuantizeFp4(x);

    /// <summary>Index of the nearest entry of an ascending 256-entry map (ties go to the lower entry).</summary>
    public static byte QuantizeToMap(ReadOnlySpan<float> ascendingMap, float x)
    {
        int hi = ascendingMap.BinarySearch(x);
        if (hi >= 0)
        {
            return (byte)hi;
        }

        hi = ~hi; // first entry above x
        if (hi == 0)
        {
            return 0;
        }

        if (hi == ascendingMap.Length)
        {
            return (byte)(ascendingMap.Length - 1);
        }

        return x - ascendingMap[hi - 1] <= ascendingMap[hi] - x ? (byte)(hi - 1) : (byte)hi;
    }

    private static float[] BuildFp4()
    {
        float[] magnitudes = [0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f];
        var values = new float[16];
        for (int code = 0; code < 16; code++)
        {
            float magnitude = magnitudes[code & 7] / 12f;
            values[code] = (code & 8) != 0 ? -magnitude : magnitude;
        }

        return values;
    }

    private static float[] BuildDynamic()
    {
        var data = new List<float>(256);
        for (int i = 0; i < 7; i++)
        {
            int steps = (1 << i) + 1;
            float[] boundaries = LinspaceFloat32(0.1f, 1f, steps);
            float scale = (float)Math.Pow(10, i - 6);
            for (int b = 0; b < steps - 1; b++)
            {
                float mean = (boundaries[b] + boundaries[b + 1]) / 2f;
                data.Add(scale * mean);
                data.Add(-scale * mean);
            }
        }

        data.Add(0f);
        data.Add(1f);
        data.Sort();
        return [.. data];
    }

    private static float[] LinspaceFloat32(float start, float end, int steps)
    {
        var values = new float[steps];
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++)
        {
            values[i] = i < halfway ? start + (step * i) : end - (step * (steps - i - 1));
        }

        return values;
    }

    private static float[] Midpoints(float[] ascending)
    {
        var midpoints = new float[ascending.Length - 1];
        for (int i = 0; i < midpoints.Length; i++)
        {
            midpoints[i] = (ascending[i] + ascending[i + 1]) / 2f;
        }

        return midpoints;
    }
}
