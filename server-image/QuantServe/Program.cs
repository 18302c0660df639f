using QuantServe.Cli;

return CommandLine.Run(args);
