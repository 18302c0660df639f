using System.Text;
using System.Text.RegularExpressions;

namespace QuantServe.Chart.Tests.Support;

/// <summary>Turns a Helm template into plain YAML without Helm: a line that holds only actions
/// (if/with/range/end/include ... | nindent) is dropped, control actions inside a line vanish, and every
/// other action becomes the scalar <see cref="Placeholder"/>. Every branch of a conditional is kept, so the result is the union of
/// what the template can render; its structure must still be YAML.</summary>
public static partial class TemplateFlattener
{
    public const string Placeholder = "x";

    [GeneratedRegex(@"\{\{.*?\}\}")]
    private static partial Regex Action();

    public static string Flatten(string template, string source)
    {
        var output = new StringBuilder();
        var lineNumber = 0;
        foreach (var line in template.Split('\n'))
        {
            lineNumber++;
            var withoutActions = Action().Replace(line, "");
            if (withoutActions.Contains("{{", StringComparison.Ordinal) || withoutActions.Contains("}}", StringComparison.Ordinal))
                throw new FormatException($"{source}:{lineNumber}: an action spans lines or is unbalanced: {line.Trim()}");
            if (withoutActions != line && withoutActions.Trim().Length == 0) continue;
            output.Append(Action().Replace(line, m => IsControl(m.Value) ? "" : Placeholder)).Append('\n');
        }
        return output.ToString();
    }

    private static readonly string[] ControlKeywords = ["if ", "else", "end", "with ", "range ", "define ", "/*"];

    /// <summary>Actions that steer rendering and print nothing themselves.</summary>
    private static bool IsControl(string action)
    {
        var body = action[2..^2].Trim('-', ' ');
        return ControlKeywords.Any(k => body.StartsWith(k, StringComparison.Ordinal)) || body == "else" || body == "end";
    }

    /// <summary>Every action's text (between the braces) in the template, in order.</summary>
    public static IEnumerable<string> Actions(string template) =>
        Action().Matches(template).Select(m => m.Value[2..^2]);
}
