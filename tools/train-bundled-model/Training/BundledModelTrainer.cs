using System.Diagnostics;
using System.Globalization;
using QuantServe.Engine.Tokenization;
using QuantServe.Tools.TrainBundledModel.Corpus;
using QuantServe.Tools.TrainBundledModel.Modeling;
using QuantServe.Tools.TrainBundledModel.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace QuantServe.Tools.TrainBundledModel.Training;

/// <summary>
/// The whole recipe: split the corpus, train the tokenizer, encode with the engine's own tokenizer
/// (so training sees exactly the ids the engine produces), train with AdamW and a cosine schedule,
/// and export a checkpoint at every evaluation so that an interrupted run still leaves a model.
/// </summary>
public sealed class BundledModelTrainer(TrainingOptions options)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public void Run()
    {
        torch.set_num_threads(options.Threads);
        Directory.CreateDirectory(options.Output);
        Directory.CreateDirectory(options.Work);

        var corpus = KjvCorpus.Parse(options.Source);
        string trainText = corpus.Text(heldOut: false);
        string heldOutText = corpus.Text(heldOut: true);
        File.WriteAllText(Path.Combine(options.Work, "train.txt"), trainText);
        File.WriteAllText(Path.Combine(options.Output, "heldout.txt"), heldOutText);
        Log($"corpus: {corpus.VerseCount} verses; train {trainText.Length} chars, held out {heldOutText.Length} chars "
            + $"(books {string.Join(", ", corpus.BookNames.Where((_, i) => KjvCorpus.IsHeldOut(i)))})");

        int mergeCount = options.VocabSize - 258;
        var merges = BytePairTrainer.Train(trainText, ByteLevelTokenizerWriter.SplitRegex, mergeCount);
        if (merges.Count != mergeCount)
            throw new InvalidOperationException($"the training text supports only {merges.Count} merges, {mergeCount} asked for; use a smaller --vocab");
        ByteLevelTokenizerWriter.Write(options.Output, merges, options.Context);
        int bos = ByteLevelTokenizerWriter.BeginOfTextId(mergeCount);
        int eos = ByteLevelTokenizerWriter.EndOfTextId(mergeCount);
        Log($"tokenizer: {merges.Count} merges, vocab {options.VocabSize}");

        var tokenizer = Tokenizer.Load(options.Output);
        int[] train = tokenizer.Encode(trainText, addSpecialTokens: false);
        int[] heldOut = tokenizer.Encode(heldOutText, addSpecialTokens: false);
        if (tokenizer.Decode(heldOut) != heldOutText)
            throw new InvalidOperationException("the tokenizer does not round-trip the held-out text");
        int[] lineStarts = LineStarts(tokenizer, train, options.Context + 1);
        Log($"tokens: train {train.Length} ({(double)trainText.Length / train.Length:F2} chars/token), held out {heldOut.Length} "
            + $"({heldOut.Length / options.Context} windows of {options.Context})");

        var shape = new LlamaShape(options.VocabSize, options.Hidden, options.Intermediate, options.Layers,
            options.Heads, options.KeyValueHeads, options.HeadDim, options.Context);
        using var model = new LlamaTrainingModel(shape, options.Seed);
        Log($"model: {shape.ParameterCount:N0} parameters ({shape})");
        if (options.InitFrom is string init)
        {
            model.LoadBFloat16(init);
            Log($"continuing from {init}: held out ({options.EvalWindows} windows) {Evaluate(model, heldOut, options.EvalWindows):F4}");
        }

        var decay = model.NamedParameters.Where(p => p.Value.dim() >= 2).Select(p => p.Value).ToList();
        var noDecay = model.NamedParameters.Where(p => p.Value.dim() < 2).Select(p => p.Value).ToList();
        var optimizer = torch.optim.AdamW(
            [
                new TorchSharp.Modules.AdamW.ParamGroup(decay, new TorchSharp.Modules.AdamW.Options { weight_decay = options.WeightDecay }),
                new TorchSharp.Modules.AdamW.ParamGroup(noDecay, new TorchSharp.Modules.AdamW.Options { weight_decay = 0.0 }),
            ],
            lr: options.LearningRate, beta1: 0.9, beta2: 0.95, eps: 1e-8);

        var random = new Random(options.Seed);
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        string logPath = Path.Combine(options.Work, "loss-curve.tsv");
        File.WriteAllText(logPath, "step\ttrain_loss\theldout_loss\tlr\tseconds\n");
        int totalSteps = options.MeasureSteps > 0 ? options.MeasureSteps : options.Steps;
        double trainLossSum = 0;
        int trainLossCount = 0;
        var stepClock = Stopwatch.StartNew();
        for (int step = 1; step <= totalSteps; step++)
        {
            double lr = LearningRateAt(step);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = lr;
            using (var scope = torch.NewDisposeScope())
            {
                var (inputs, targets) = SampleBatch(train, lineStarts, bos, random);
                var logits = model.Forward(inputs);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, options.VocabSize), targets.reshape(-1));
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(model.Parameters, options.GradClip);
                optimizer.step();
                trainLossSum += loss.item<float>();
                trainLossCount++;
            }
            if (options.MeasureSteps > 0)
            {
                Log($"step {step}: {stepClock.Elapsed.TotalSeconds / step:F2} s/step so far");
                continue;
            }
            if (step % options.EvalEvery == 0 || step == totalSteps)
            {
                double heldOutLoss = Evaluate(model, heldOut, options.EvalWindows);
                double trainLoss = trainLossSum / trainLossCount;
                trainLossSum = 0;
                trainLossCount = 0;
                File.AppendAllText(logPath, string.Create(CultureInfo.InvariantCulture,
                    $"{step}\t{trainLoss:F4}\t{heldOutLoss:F4}\t{lr:E2}\t{clock.Elapsed.TotalSeconds:F0}\n"));
                CheckpointExporter.Write(options.Output, model, bos, eos, metadata);
                Log($"step {step}/{totalSteps}: train {trainLoss:F4}, held out ({options.EvalWindows} windows) {heldOutLoss:F4}, lr {lr:E2}, "
                    + $"{stepClock.Elapsed.TotalSeconds / step:F2} s/step; checkpoint written");
            }
        }
        if (options.MeasureSteps > 0)
            return;

        // The exported weights are bf16: evaluate exactly those.
        model.RoundParametersToBFloat16();
        CheckpointExporter.Write(options.Output, model, bos, eos, metadata);
        double finalLoss = Evaluate(model, heldOut, int.MaxValue);
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"final (bf16 weights): held-out mean NLL {finalLoss:F4} over {heldOut.Length / options.Context} windows of {options.Context}, perplexity {Math.Exp(finalLoss):F4}; {clock.Elapsed.TotalMinutes:F1} min");
        File.WriteAllText(Path.Combine(options.Work, "final.txt"), summary + "\n");
        Log(summary);
    }

    /// <summary>Linear warmup, then cosine decay to MinLearningRateRatio of the peak.</summary>
    private double LearningRateAt(int step)
    {
        if (step <= options.WarmupSteps)
            return options.LearningRate * step / options.WarmupSteps;
        double progress = (double)(step - options.WarmupSteps) / Math.Max(1, options.Steps - options.WarmupSteps);
        double floor = options.LearningRate * options.MinLearningRateRatio;
        return floor + (options.LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, progress)));
    }

    /// <summary>
    /// Half the rows start with the BOS token at the start of a verse (what generation sees: the
    /// engine prepends BOS to a prompt), the other half are windows at a random offset (what the
    /// held-out evaluation scores).
    /// </summary>
    private (Tensor Inputs, Tensor Targets) SampleBatch(int[] train, int[] lineStarts, int bos, Random random)
    {
        int t = options.Context;
        var rows = new long[options.Batch * (t + 1)];
        for (int b = 0; b < options.Batch; b++)
        {
            var row = rows.AsSpan(b * (t + 1), t + 1);
            if (b % 2 == 0)
            {
                int start = lineStarts[random.Next(lineStarts.Length)];
                row[0] = bos;
                for (int i = 0; i < t; i++)
                    row[i + 1] = train[start + i];
            }
            else
            {
                int start = random.Next(train.Length - t);
                for (int i = 0; i <= t; i++)
                    row[i] = train[start + i];
            }
        }
        var all = torch.tensor(rows, [options.Batch, t + 1], dtype: int64);
        return (all.narrow(1, 0, t), all.narrow(1, 1, t));
    }

    /// <summary>
    /// Mean next-token NLL over non-overlapping windows of Context tokens, each scoring its
    /// Context - 1 predictions: the same windows and the same count as the engine's
    /// <c>quantserve evaluate --seqlen Context</c>.
    /// </summary>
    private double Evaluate(LlamaTrainingModel model, int[] tokens, int maxWindows)
    {
        int t = options.Context;
        int windows = Math.Min(tokens.Length / t, maxWindows);
        double nll = 0;
        using var noGrad = torch.no_grad();
        for (int first = 0; first < windows; first += options.Batch)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(options.Batch, windows - first);
            var ids = new long[count * t];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = tokens[first * t + i];
            var batch = torch.tensor(ids, [count, t], dtype: int64);
            var logits = model.Forward(batch).narrow(1, 0, t - 1).reshape(-1, options.VocabSize);
            var targets = batch.narrow(1, 1, t - 1).reshape(-1);
            nll += nn.functional.cross_entropy(logits.to(float64), targets, reduction: nn.Reduction.Sum).item<double>();
        }
        return nll / ((double)windows * (t - 1));
    }

    /// <summary>Token positions that begin a line (after a token ending in a newline) with a full row after them.</summary>
    private static int[] LineStarts(Tokenizer tokenizer, int[] tokens, int rowLength)
    {
        var newlineEnded = new bool[tokenizer.VocabSize];
        for (int id = 0; id < tokenizer.VocabSize; id++)
            newlineEnded[id] = tokenizer.IdToToken(id) is { Length: > 0 } token && token[^1] == ByteLevelAlphabet.ByteToChar['\n'];
        var starts = new List<int> { 0 };
        for (int i = 0; i + 1 < tokens.Length; i++)
        {
            if (newlineEnded[tokens[i]] && i + 1 + rowLength <= tokens.Length)
                starts.Add(i + 1);
        }
        return starts.ToArray();
    }

    private void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {message}");
}
