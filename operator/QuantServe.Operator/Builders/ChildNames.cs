using System.Security.Cryptography;
using System.Text;

namespace QuantServe.Operator.Builders;

/// <summary>Names of the objects the operator creates. Kubernetes limits labels (and so Job and Service
/// names) to 63 characters; a long name keeps its start and gets a short hash of the whole.</summary>
public static class ChildNames
{
    public const int MaxLength = 63;

    public static string Deployment(string inferenceService) => Fit(inferenceService);
    public static string Service(string inferenceService) => Fit(inferenceService);
    public static string ModelCacheClaim(string inferenceService) => Fit(inferenceService + "-model-cache");
    public static string QuantizationJob(string inferenceService, string calibrationHash) => Fit($"{inferenceService}-gptq-{calibrationHash}");
    public static string CalibrationJob(string quantizationJob) => Fit(quantizationJob);
    public static string QuantizationOutputClaim(string quantizationJob) => Fit(quantizationJob + "-output");

    /// <summary>Returns the name unchanged when it fits in 63 characters, else its start plus a hash of the whole.</summary>
    public static string Fit(string name)
    {
        if (name.Length <= MaxLength) return name;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return name[..(MaxLength - 9)].TrimEnd('-', '.') + "-" + hash;
    }
}
