namespace QuantServe.Tools.TrainBundledModel.Training;

/// <summary>Command-line options of the tool, with the defaults the bundled model was trained with.</summary>
public sealed class TrainingOptions
{
    public string Source { get; private set; } = "";
    public string Output { get; private set; } = "models/bundled-kjv-llama";
    public string Work { get; private set; } = "out/train-bundled-model";
    public int VocabSize { get; private set; } = 4096;
    public int Hidden { get; private set; } = 256;
    public int Intermediate { get; private set; } = 768;
    public int Layers { get; private set; } = 6;
    public int Heads { get; private set; } = 8;
    public int KeyValueHeads { get; private set; } = 4;
    public int HeadDim { get; private set; } = 32;
    public int Context { get; private set; } = 256;
    public int Batch { get; private set; } = 16;
    public int Steps { get; private set; } = 400;
    public int WarmupSteps { get; private set; } = 20;
    public double LearningRate { get; private set; } = 2e-3;
    public double MinLearningRateRatio { get; private set; } = 0.1;
    public double WeightDecay { get; private set; } = 0.1;
    public double GradClip { get; private set; } = 1.0;
    public int EvalEvery { get; private set; } = 50;
    public int EvalWindows { get; private set; } = 32;
    public int Seed { get; private set; } = 1234;
    public int Threads { get; private set; } = 2;
    public int MeasureSteps { get; private set; }
    public string? InitFrom { get; private set; }

    public static TrainingOptions Parse(string[] args)
    {
        var o = new TrainingOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length)
                throw new ArgumentException($"option {name} needs a value");
            string value = args[++i];
            int Int() => int.TryParse(value, out int v) && v >= 0 ? v : throw new ArgumentException($"option {name} needs a non-negative integer, got '{value}'");
            double Double() => double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out double v) && v >= 0 ? v : throw new ArgumentException($"option {name} needs a non-negative number, got '{value}'");
            switch (name)
            {
                case "--source": o.Source = value; break;
                case "--out": o.Output = value; break;
                case "--work": o.Work = value; break;
                case "--vocab": o.VocabSize = Int(); break;
                case "--hidden": o.Hidden = Int(); break;
                case "--intermediate": o.Intermediate = Int(); break;
                case "--layers": o.Layers = Int(); break;
                case "--heads": o.Heads = Int(); break;
                case "--kv-heads": o.KeyValueHeads = Int(); break;
                case "--head-dim": o.HeadDim = Int(); break;
                case "--context": o.Context = Int(); break;
                case "--batch": o.Batch = Int(); break;
                case "--steps": o.Steps = Int(); break;
                case "--warmup": o.WarmupSteps = Int(); break;
                case "--lr": o.LearningRate = Double(); break;
                case "--min-lr-ratio": o.MinLearningRateRatio = Double(); break;
                case "--weight-decay": o.WeightDecay = Double(); break;
                case "--grad-clip": o.GradClip = Double(); break;
                case "--eval-every": o.EvalEvery = Int(); break;
                case "--eval-windows": o.EvalWindows = Int(); break;
                case "--seed": o.Seed = Int(); break;
                case "--threads": o.Threads = Int(); break;
                case "--measure-steps": o.MeasureSteps = Int(); break;
                case "--init-from": o.InitFrom = value; break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        if (o.Source.Length == 0)
            throw new ArgumentException("--source FILE is required: the KJV text printed by 'bible -l0 -m 8192 Gen1:1-Rev22:21' (Debian packages bible-kjv, bible-kjv-text)");
        if (o.VocabSize <= 258)
            throw new ArgumentException($"--vocab must exceed 258 (256 bytes + 2 special tokens), got {o.VocabSize}");
        if (o.Heads == 0 || o.KeyValueHeads == 0 || o.Heads % o.KeyValueHeads != 0)
            throw new ArgumentException($"--heads ({o.Heads}) must be a positive multiple of --kv-heads ({o.KeyValueHeads})");
        if (o.HeadDim % 2 != 0)
            throw new ArgumentException($"--head-dim must be even for rotary embeddings, got {o.HeadDim}");
        return o;
    }
}
