using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>Python's printf-style <c>"%s" % value</c> (and the <c>format</c> filter): s, r, d, i, f, x, %.</summary>
internal static class PercentFormat
{
    public static string Apply(string format, object? arguments)
    {
        IReadOnlyList<object?> values = arguments is object?[] tuple ? tuple : [arguments];
        var builder = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                builder.Append(c);
                continue;
            }
            int start = ++i;
            while (i < format.Length && "-+ #0".Contains(format[i]))
            {
                i++;
            }
            string flags = format[start..i];
            int widthStart = i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
            {
                i++;
            }
            int width = i > widthStart ? int.Parse(format[widthStart..i], CultureInfo.InvariantCulture) : 0;
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                int precisionStart = ++i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    i++;
                }
                precision = i > precisionStart ? int.Parse(format[precisionStart..i], CultureInfo.InvariantCulture) : 0;
            }
            if (i >= format.Length)
            {
                throw new ChatTemplateException("incomplete format");
            }
            char conversion = format[i];
            if (conversion == '%')
            {
                builder.Append('%');
                continue;
            }
            if (next >= values.Count)
            {
                throw new ChatTemplateException("not enough arguments for format string");
            }
            object? value = values[next++];
            string text = conversion switch
            {
                's' => PythonValues.Str(value),
                'r' => PythonValues.Repr(value),
                'd' or 'i' => PythonValues.IsNumber(value)
                    ? ((long)Math.Truncate(PythonValues.ToDouble(value))).ToString(CultureInfo.InvariantCulture)
                    : throw new ChatTemplateException($"%{conversion} format: a real number is required, not {PythonValues.TypeName(value)}"),
                'f' or 'F' => PythonValues.IsNumber(value)
                    ? PythonValues.ToDouble(value).ToString("F" + (precision ?? 6), CultureInfo.InvariantCulture)
                    : throw new ChatTemplateException($"must be real number, not {PythonValues.TypeName(value)}"),
                'x' or 'X' => value is long or bool
                    ? PythonValues.ToLong(value).ToString(conversion == 'x' ? "x" : "X", CultureInfo.InvariantCulture)
                    : throw new ChatTemplateException($"%x format: an integer is required, not {PythonValues.TypeName(value)}"),
                _ => throw new ChatTemplateException($"unsupported format character '{conversion}'"),
            };
            if (conversion is 's' or 'r' && precision is int p && p < text.Length)
            {
                text = text[..p];
            }
            if (text.Length < width)
            {
                bool zeroPad = flags.Contains('0') && !flags.Contains('-') && conversion is not ('s' or 'r');
                text = flags.Contains('-') ? text.PadRight(width) : zeroPad ? PadZeros(text, width) : text.PadLeft(width);
            }
            builder.Append(text);
        }
        if (next < values.Count && arguments is object?[])
        {
            throw new ChatTemplateException("not all arguments converted during string formatting");
        }
        return builder.ToString();
    }

    private static string PadZeros(string text, int width) =>
        text.StartsWith('-') ? "-" + text[1..].PadLeft(width - 1, '0') : text.PadLeft(width, '0');
}
