namespace QuantServe.Cli;

/// <summary>Dispatches `quantserve COMMAND [options]` to one command class per verb.</summary>
public static class CommandLine
{
    private static readonly Dictionary<string, Func<string[], int>> Commands = new(StringComparer.Ordinal)
    {
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        if (!Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine($"quantserve: unknown command '{args[0]}'.");
            PrintUsage(Console.Error);
            return 2;
        }
        return command(args[1..]);
    }

    private static void PrintUsage(TextWriter writer)
    {
        writer.WriteLine("usage: quantserve COMMAND [options]");
        writer.WriteLine("commands: " + string.Join(", ", Commands.Keys));
    }
}
