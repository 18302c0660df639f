using QuantServe.Bench;

return BenchCommand.Run(args);
