namespace QuantServe.Engine.Models;

/// <summary>
/// Rotary position embedding frequencies as Hugging Face's rope initialisation functions define them
/// (default, linear, dynamic NTK, llama3), computed in float64 and rounded once to fp32.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly ModelConfig _config;
    private readonly double[] _invFreq;

    public RotaryEmbedding(ModelConfig config)
    {
        _config = config;
        _invFreq = InverseFrequencies(config, config.MaxPositionEmbeddings);
    }

    public int HalfDim => _invFreq.Length;

    /// <summary>
    /// cos/sin (length head_dim / 2) of the rotation at <paramref name="position"/>. Dynamic NTK scaling
    /// depends on the longest sequence of the forward call, as in transformers' dynamic_rope_update.
    /// </summary>
    public void CosSin(int position, int sequenceLength, Span<float> cos, Span<float> sin)
    {
        var invFreq = _config.RopeScaling?.Type == RopeScalingType.Dynamic && sequenceLength > _config.MaxPositionEmbeddings
            ? InverseFrequencies(_config, sequenceLength)
            : _invFreq;
        for (int i = 0; i < invFreq.Length; i++)
        {
            double angle = position * invFreq[i];
            cos[i] = (float)Math.Cos(angle);
            sin[i] = (float)Math.Sin(angle);
        }
    }

    /// <summary>inv_freq[i] for the given sequence length (only dynamic scaling reads it).</summary>
    public static double[] InverseFrequencies(ModelConfig config, int sequenceLength)
    {
        int dim = config.HeadDim;
        double theta = config.RopeTheta;
        var scaling = config.RopeScaling;
        if (scaling?.Type == RopeScalingType.Dynamic)
        {
            int max = config.MaxPositionEmbeddings;
            int length = Math.Max(sequenceLength, max);
            theta *= Math.Pow(scaling.Factor * length / max - (scaling.Factor - 1), dim / (double)(dim - 2));
        }
        var invFreq = new double[dim / 2];
        for (int i = 0; i < invFreq.Length; i++)
            invFreq[i] = 1.0 / Math.Pow(theta, 2.0 * i / dim);

        switch (scaling?.Type)
        {
            case RopeScalingType.Linear:
                for (int i = 0; i < invFreq.Length; i++)
                    invFreq[i] /= scaling.Factor;
                break;
            case RopeScalingType.Llama3:
                ApplyLlama3(invFreq, scaling, config.MaxPositionEmbeddings);
                break;
        }
        return invFreq;
    }

    // Llama 3.1: long wavelengths are slowed by `factor`, short ones kept, the band between interpolated.
    private static void ApplyLlama3(double[] invFreq, RopeScaling scaling, int maxPositionEmbeddings)
    {
        double oldContext = scaling.OriginalMaxPositionEmbeddings ?? maxPositionEmbeddings;
        double lowFreqWavelen = oldContext / scaling.LowFreqFactor;
        double highFreqWavelen = oldContext / scaling.HighFreqFactor;
        for (int i = 0; i < invFreq.Length; i++)
        {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen > lowFreqWavelen)
            {
                invFreq[i] /= scaling.Factor;
            }
            else if (wavelen >= highFreqWavelen)
            {
                double smooth = (oldContext / wavelen - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                invFreq[i] = (1 - smooth) * invFreq[i] / scaling.Factor + smooth * invFreq[i];
            }
        }
    }
}
