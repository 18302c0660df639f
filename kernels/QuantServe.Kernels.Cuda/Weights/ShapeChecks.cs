namespace QuantServe.Kernels.Cuda.Weights;

/// <summary>Shape checks for uploads: the message names the format, the tensor, what was expected and what was found.</summary>
internal static class ShapeChecks
{
    public static void Positive(string format, int inFeatures, int outFeatures)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"{format}: shape [{outFeatures}, {inFeatures}] is empty or negative");
    }

    public static void Multiple(string format, string what, long value, int of, string why)
    {
        if (value % of != 0)
            throw new ArgumentException($"{format}: {what} {value} is not a multiple of {of} ({why})");
    }

    public static void Length(string format, string tensor, long actual, long expected, string shape)
    {
        if (actual != expected)
            throw new ArgumentException($"{format}: {tensor} has {actual} values, expected {expected} ({shape})");
    }
}
