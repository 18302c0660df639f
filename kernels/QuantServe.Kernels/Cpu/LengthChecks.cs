namespace QuantServe.Kernels.Cpu;

/// <summary>Argument checks shared by the kernels: every public entry validates before touching memory.</summary>
internal static class LengthChecks
{
    public static void Equal(int actual, int expected, string parameter, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                $"{parameter} has {actual} elements but {expected} are needed ({what}).", parameter);
        }
    }

    public static void AtLeast(long actual, long expected, string parameter, string what)
    {
        if (actual < expected)
        {
            throw new ArgumentException(
                $"{parameter} has {actual} elements but at least {expected} are needed ({what}).", parameter);
        }
    }

    public static void NotEmpty(int length, string parameter, string kernel)
    {
        if (length == 0)
        {
            throw new ArgumentException($"{parameter} is empty; {kernel} needs at least one element.", parameter);
        }
    }
}
