using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Builders;

/// <summary>A short hash of everything that determines calibrated weights and their evaluation. The
/// QuantizationJob (and so its batch Job and output path) is named by it: the same inputs find the same
/// finished run instead of starting a second one. The image is left out on purpose: upgrading the
/// operator must not recalibrate every model.</summary>
public static class CalibrationHash
{
    public static string Compute(ModelSource model, GptqCalibration calibration)
    {
        var inv = CultureInfo.InvariantCulture;
        var canonical = string.Join("\n",
            "model=" + model.Id,
            "revision=" + model.Revision,
            "bits=" + calibration.Bits.ToString(inv),
            "groupSize=" + calibration.GroupSize.ToString(inv),
            "actOrder=" + (calibration.ActOrder ? "true" : "false"),
            "sym=" + (calibration.Sym ? "true" : "false"),
            "percdamp=" + calibration.Percdamp.ToString("R", inv),
            "dataset=" + calibration.Dataset,
            "nsamples=" + calibration.Nsamples.ToString(inv),
            "seqlen=" + calibration.Seqlen.ToString(inv),
            "seed=" + calibration.Seed.ToString(inv),
            "evaluate=" + (EvaluationDataset(calibration) ?? "-"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..10];
    }

    /// <summary>The dataset of the perplexity comparison, or null when no evaluation is wanted.</summary>
    public static string? EvaluationDataset(GptqCalibration calibration) =>
        calibration.EvaluationDataset ?? (calibration.MaxPerplexityIncreasePercent is null ? null : calibration.Dataset);
}
