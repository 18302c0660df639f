namespace QuantServe.Bench.Ceilings;

/// <summary>Keeps measured loops' results observable so the JIT cannot drop the work.</summary>
internal static class Sink
{
    private static float kept;

    public static void Keep(float value) => Volatile.Write(ref kept, kept + value);
}
