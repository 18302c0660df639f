using QuantServe.Cli.Commands;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Hub;
using QuantServe.Engine.Models;

namespace QuantServe.Cli;

/// <summary>Dispatches `quantserve COMMAND [options]` to one command class per verb and turns errors into exit codes.</summary>
public static class CommandLine
{
    private static readonly ICommand[] Commands =
    [
        new GenerateCommand(),
        new EvaluateCommand(),
        new MakeModelCommand(),
        new DownloadWeightsCommand(),
        new ExportEetqCommand(),
        new QuantizeCommand(),
        new ServeCommand(),
    ];

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(args.Length == 0 ? Console.Error : Console.Out);
            return args.Length == 0 ? 2 : 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"quantserve: unknown command '{args[0]}'.");
            PrintUsage(Console.Error);
            return 2;
        }
        try
        {
            return command.Run(args[1..]);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"quantserve {command.Name}: {e.Message}");
            Console.Error.WriteLine($"usage: quantserve {command.Name} {command.Summary[(command.Summary.IndexOf(':') + 1)..].Trim()}");
            return 2;
        }
        catch (Exception e) when (e is ModelConfigException or SafetensorsException or HubException or InvalidDataException or IOException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            Console.Error.WriteLine($"quantserve {command.Name}: error: {e.Message}");
            return 1;
        }
    }

    private static void PrintUsage(TextWriter writer)
    {
        writer.WriteLine("usage: quantserve COMMAND [options]");
        writer.WriteLine();
        foreach (var c in Commands)
            writer.WriteLine($"  {c.Name,-12} {c.Summary}");
    }
}
