namespace QuantServe.Cli.Commands;

/// <summary>One `quantserve` verb.</summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    int Run(string[] args);
}
