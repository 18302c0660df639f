using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>Python's <c>str.format</c>: <c>{}</c>, <c>{0}</c>, <c>{name}</c>, <c>{x.attr}</c>, <c>!r</c>/<c>!s</c>, escaped braces, simple specs.</summary>
internal static class StringFormat
{
    public static string Apply(string format, List<object?> positional, Dictionary<string, object?> keywords)
    {
        var builder = new StringBuilder();
        int automatic = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '}')
            {
                if (i + 1 < format.Length && format[i + 1] == '}')
                {
                    builder.Append('}');
                    i++;
                    continue;
                }
                throw new ChatTemplateException("Single '}' encountered in format string");
            }
            if (c != '{')
            {
                builder.Append(c);
                continue;
            }
            if (i + 1 < format.Length && format[i + 1] == '{')
            {
                builder.Append('{');
                i++;
                continue;
            }
            int end = format.IndexOf('}', i);
            if (end < 0)
            {
                throw new ChatTemplateException("Single '{' encountered in format string");
            }
            string field = format[(i + 1)..end];
            i = end;
            string? spec = null;
            char? conversion = null;
            int colon = field.IndexOf(':');
            if (colon >= 0)
            {
                spec = field[(colon + 1)..];
                field = field[..colon];
            }
            int bang = field.IndexOf('!');
            if (bang >= 0)
            {
                conversion = field.Length > bang + 1 ? field[bang + 1] : throw new ChatTemplateException("end of string while looking for conversion specifier");
                field = field[..bang];
            }
            int split = field.IndexOfAny(['.', '[']);
            string head = split >= 0 ? field[..split] : field;
            object? value;
            if (head.Length == 0)
            {
                value = automatic < positional.Count ? positional[automatic++] : throw new ChatTemplateException("Replacement index out of range for positional args tuple");
            }
            else if (int.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                value = index < positional.Count ? positional[index] : throw new ChatTemplateException($"Replacement index {index} out of range for positional args tuple");
            }
            else
            {
                value = keywords.TryGetValue(head, out var named) ? named : throw new ChatTemplateException($"KeyError: '{head}'");
            }
            if (split >= 0)
            {
                foreach (string attribute in field[(split + 1)..].Split('.'))
                {
                    value = TemplateOperators.GetAttribute(value, attribute);
                }
            }
            string text = conversion == 'r' ? PythonValues.Repr(value) : PythonValues.Str(value);
            builder.Append(string.IsNullOrEmpty(spec) ? text : ApplySpec(value, text, spec));
        }
        return builder.ToString();
    }

    private static string ApplySpec(object? value, string text, string spec)
    {
        if (spec.EndsWith('f') && PythonValues.IsNumber(value))
        {
            int dot = spec.IndexOf('.');
            int precision = dot >= 0 ? int.Parse(spec[(dot + 1)..^1], CultureInfo.InvariantCulture) : 6;
            return PythonValues.ToDouble(value).ToString("F" + precision, CultureInfo.InvariantCulture);
        }
        if (int.TryParse(spec.TrimStart('<', '>'), NumberStyles.None, CultureInfo.InvariantCulture, out int width))
        {
            bool right = spec.StartsWith('>') || (!spec.StartsWith('<') && PythonValues.IsNumber(value));
            return right ? text.PadLeft(width) : text.PadRight(width);
        }
        throw new ChatTemplateException($"format spec '{spec}' is not supported in chat templates");
    }
}
