using System.Globalization;

namespace QuantServe.Cli;

/// <summary>
/// Reads `--name value`, `--name=value` and bare `--flag` options. Each command asks for the options it
/// knows; <see cref="EnsureAllRead"/> then rejects whatever was left, so a typo never goes unnoticed.
/// Options may fall back to an environment variable, as TGI's launcher flags do.
/// </summary>
public sealed class OptionReader
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly List<string> _positional = [];

    public OptionReader(string[] args, IReadOnlySet<string> flags)
    {
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                _positional.Add(arg);
                continue;
            }
            var name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (!flags.Contains(name))
            {
                if (i + 1 >= args.Length)
                    throw new UsageException($"option --{name} needs a value");
                value = args[++i];
            }
            if (!_options.TryAdd(name, value))
                throw new UsageException($"option --{name} is given twice");
        }
    }

    public IReadOnlyList<string> Positional => _positional;

    public string? String(string name, string? environmentVariable = null)
    {
        _read.Add(name);
        if (_options.TryGetValue(name, out var value))
            return value ?? throw new UsageException($"option --{name} needs a value");
        return environmentVariable is null ? null : Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } env ? env : null;
    }

    public string RequiredString(string name, string? environmentVariable = null) =>
        String(name, environmentVariable) ?? throw new UsageException($"option --{name} is required");

    public int? Int(string name, string? environmentVariable = null) =>
        String(name, environmentVariable) is { } s
            ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--{name} must be an integer, got '{s}'")
            : null;

    public ulong? ULong(string name) =>
        String(name) is { } s
            ? ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--{name} must be a non-negative integer, got '{s}'")
            : null;

    public float? Float(string name) =>
        String(name) is { } s
            ? float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--{name} must be a number, got '{s}'")
            : null;

    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value))
            return false;
        return value is null or "true" or "1" ? true
            : value is "false" or "0" ? false
            : throw new UsageException($"--{name} is a flag; give it without a value or as --{name}=true|false");
    }

    public void EnsureAllRead()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}; known: {string.Join(", ", _read.Order().Select(r => "--" + r))}");
    }
}
