using System.Diagnostics;
using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Cli.Commands;

/// <summary>`quantserve generate`: continues a prompt and streams the text to stdout; timings go to stderr.</summary>
public sealed class GenerateCommand : ICommand
{
    public string Name => "generate";
    public string Summary => "continue a prompt: --model-id DIR --prompt TEXT [--max-new-tokens N] [--dtype] [--quantize SCHEME] [--seed] [--temperature] [--top-k] [--top-p] [--typical-p] [--repetition-penalty] [--frequency-penalty] [--do-sample] [--stop TEXT] [--threads N]";

    public int Run(string[] args)
    {
        var options = new OptionReader(args, new HashSet<string> { "do-sample" });
        using var loaded = LoadedModel.Open(options);
        var prompt = options.RequiredString("prompt");
        var sampling = new SamplingParameters
        {
            DoSample = options.Flag("do-sample"),
            Temperature = options.Float("temperature"),
            TopK = options.Int("top-k"),
            TopP = options.Float("top-p"),
            TypicalP = options.Float("typical-p"),
            RepetitionPenalty = options.Float("repetition-penalty"),
            FrequencyPenalty = options.Float("frequency-penalty"),
            Seed = options.ULong("seed"),
        };
        var request = new GenerationRequest
        {
            PromptTokens = loaded.Tokenizer.Encode(prompt),
            Sampling = sampling,
            MaxNewTokens = options.Int("max-new-tokens") ?? 20,
            StopSequences = options.String("stop") is { } stop ? [stop] : [],
        };
        options.EnsureAllRead();
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        var clock = Stopwatch.StartNew();
        var generator = new BatchGenerator(loaded.Model, loaded.Tokenizer);
        var result = generator.Generate([request], (_, token) =>
        {
            Console.Out.Write(token.Text);
            Console.Out.Flush();
        })[0];
        // The tokens' texts were streamed above; what the detokenizer held back until the end comes now.
        Console.Out.WriteLine(result.GeneratedText[result.Tokens.Sum(t => t.Text.Length)..]);
        double seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"[{result.Tokens.Count} tokens, finish reason {FinishReasons.ToWireName(result.FinishReason)}, seed {result.Seed}, {result.Tokens.Count / seconds:F1} tokens/s including the {result.PromptTokens}-token prompt]");
        return 0;
    }
}
