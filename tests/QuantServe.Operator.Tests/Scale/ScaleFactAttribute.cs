namespace QuantServe.Operator.Tests.Scale;

/// <summary>A fact that runs only with QUANTSERVE_SCALE=1: the scale run is a benchmark, too slow for the suite.</summary>
public sealed class ScaleFactAttribute : FactAttribute
{
    public ScaleFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("QUANTSERVE_SCALE") != "1") Skip = "scale benchmark: set QUANTSERVE_SCALE=1 to run";
        Timeout = 30 * 60 * 1000;
    }
}
