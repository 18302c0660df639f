using System.ComponentModel;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

/// <summary>The inputs of one GPTQ calibration run (the `quantserve quantize` options). Two runs with the
/// same parameters and model produce the same weights, which is what the calibration hash relies on.</summary>
[CelRule("self.bits != 2 || self.groupSize in [32, 64, 128]",
    "bits 2 needs groupSize 32, 64 or 128: one scale per column at 2 bits destroys the model", FieldPath = ".groupSize")]
public class GptqParameters
{
    public static readonly int[] AllowedBits = [2, 3, 4, 8];
    public static readonly int[] AllowedGroupSizes = [-1, 32, 64, 128, 256, 512, 1024];

    [SchemaDefault, Description("Bits per weight: 2, 3, 4 or 8.")]
    [CelRule("self in [2, 3, 4, 8]", "bits must be 2, 3, 4 or 8")]
    [JsonPropertyName("bits")] public int Bits { get; set; } = 4;

    [SchemaDefault, Description("Input columns per quantization group; -1 for one group per column.")]
    [CelRule("self in [-1, 32, 64, 128, 256, 512, 1024]", "groupSize must be -1 or one of 32, 64, 128, 256, 512, 1024")]
    [JsonPropertyName("groupSize")] public int GroupSize { get; set; } = 128;

    [SchemaDefault, Description("Quantize columns in order of decreasing Hessian diagonal (desc_act).")]
    [JsonPropertyName("actOrder")] public bool ActOrder { get; set; }

    [SchemaDefault, Description("Symmetric quantization (no zero points).")]
    [JsonPropertyName("sym")] public bool Sym { get; set; } = true;

    [SchemaDefault, Description("Dampening, as a fraction of the mean Hessian diagonal.")]
    [CelRule("self > 0.0 && self < 1.0", "percdamp must be in (0, 1)")]
    [JsonPropertyName("percdamp")] public double Percdamp { get; set; } = 0.01;

    [SchemaDefault, Description("Calibration dataset name the serving image knows (e.g. wikitext2).")]
    [JsonPropertyName("dataset")] public string Dataset { get; set; } = "wikitext2";

    [SchemaDefault, Description("Number of calibration samples.")]
    [System.ComponentModel.DataAnnotations.Range(1, 100000)]
    [JsonPropertyName("nsamples")] public int Nsamples { get; set; } = 128;

    [SchemaDefault, Description("Tokens per calibration sample.")]
    [System.ComponentModel.DataAnnotations.Range(1, 1048576)]
    [JsonPropertyName("seqlen")] public int Seqlen { get; set; } = 2048;

    [SchemaDefault, Description("Seed for drawing the samples (runs are reproducible).")]
    [JsonPropertyName("seed")] public long Seed { get; set; }
}
