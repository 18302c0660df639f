using QuantServe.Tools.TrainBundledModel.Native;
using QuantServe.Tools.TrainBundledModel.Training;

// Trains the bundled model: see README.md next to this file.
try
{
    var options = TrainingOptions.Parse(args);
    LibTorchSharpCompat.EnsureLoadable();
    new BundledModelTrainer(options).Run();
    return 0;
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException)
{
    Console.Error.WriteLine($"train-bundled-model: {e.Message}");
    return 2;
}
