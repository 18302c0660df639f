using System.Text.Json;
using System.Text.RegularExpressions;

namespace QuantServe.Chart.Tests.Support;

/// <summary>A Dockerfile's instructions (continuation lines joined, comments dropped) and its stages.</summary>
public sealed partial class Dockerfile
{
    public sealed record Instruction(string Keyword, string Arguments, int Line);

    public sealed record Stage(string Image, string? Name, List<Instruction> Instructions);

    public string Source { get; }
    public IReadOnlyList<Instruction> Instructions { get; }
    public IReadOnlyList<Stage> Stages { get; }

    [GeneratedRegex(@"^FROM\s+(?:--platform=\S+\s+)?(?<image>\S+)(?:\s+AS\s+(?<name>\S+))?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex From();

    private Dockerfile(string source, List<Instruction> instructions)
    {
        Source = source;
        Instructions = instructions;
        var stages = new List<Stage>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var m = From().Match("FROM " + instruction.Arguments);
                if (!m.Success) throw new FormatException($"{source}:{instruction.Line}: cannot read FROM {instruction.Arguments}");
                stages.Add(new Stage(m.Groups["image"].Value, m.Groups["name"].Success ? m.Groups["name"].Value : null, []));
            }
            else if (stages.Count == 0)
            {
                if (instruction.Keyword != "ARG") throw new FormatException($"{source}:{instruction.Line}: {instruction.Keyword} before the first FROM");
            }
            else
            {
                stages[^1].Instructions.Add(instruction);
            }
        }
        if (stages.Count == 0) throw new FormatException($"{source}: no FROM");
        Stages = stages;
    }

    public static Dockerfile Parse(string text, string source)
    {
        var instructions = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var start = i + 1;
            while (line.EndsWith('\\'))
            {
                line = line[..^1];
                string next;
                do
                {
                    // Comment lines inside a continuation are dropped; the continuation goes on.
                    if (++i >= lines.Length) throw new FormatException($"{source}:{start}: a continuation runs past the end");
                    next = lines[i].Trim();
                }
                while (next.StartsWith('#'));
                line += " " + next;
            }
            var space = line.IndexOfAny([' ', '\t']);
            if (space < 0) throw new FormatException($"{source}:{start}: {line} has no arguments");
            instructions.Add(new Instruction(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim(), start));
        }
        return new Dockerfile(source, instructions);
    }

    public Stage Final => Stages[^1];

    /// <summary>An exec-form (JSON array) instruction's words.</summary>
    public static string[] ExecForm(Instruction instruction) =>
        instruction.Arguments.StartsWith('[')
            ? JsonSerializer.Deserialize<string[]>(instruction.Arguments) ?? []
            : throw new FormatException($"{instruction.Keyword} at line {instruction.Line} is in shell form; use the exec form [\"...\"]");

    /// <summary>KEY=VALUE pairs of ENV (and ARG defaults), also the legacy `ENV KEY VALUE`.</summary>
    public static IEnumerable<(string Key, string Value)> Assignments(Instruction instruction)
    {
        var args = instruction.Arguments;
        if (!args.Contains('=', StringComparison.Ordinal))
        {
            var parts = args.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            yield return (parts[0], parts.Length > 1 ? parts[1] : "");
            yield break;
        }
        foreach (Match m in AssignmentPattern().Matches(args))
            yield return (m.Groups["key"].Value, m.Groups["value"].Value.Trim('"'));
    }

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)(?:=(?<value>""[^""]*""|\S*))?")]
    private static partial Regex AssignmentPattern();
}
