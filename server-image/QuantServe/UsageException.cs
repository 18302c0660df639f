namespace QuantServe.Cli;

/// <summary>The command line is wrong: printed with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
