using System.Globalization;
using System.Text;

namespace QuantServe.Engine.Chat;

/// <summary>Python's <c>datetime.strftime</c> (C locale, glibc's <c>%-d</c> style flags) for <c>strftime_now</c>.</summary>
internal static class Strftime
{
    public static string Format(DateTimeOffset time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var builder = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }
            char directive = format[++i];
            bool noPadding = false;
            if (directive == '-' && i + 1 < format.Length)
            {
                noPadding = true;
                directive = format[++i];
            }
            string Number(int value, int width) => noPadding ? value.ToString(c) : value.ToString(c).PadLeft(width, '0');
            int hour12 = time.Hour % 12 == 0 ? 12 : time.Hour % 12;
            builder.Append(directive switch
            {
                'a' => time.ToString("ddd", c),
                'A' => time.ToString("dddd", c),
                'b' or 'h' => time.ToString("MMM", c),
                'B' => time.ToString("MMMM", c),
                'd' => Number(time.Day, 2),
                'e' => noPadding ? time.Day.ToString(c) : time.Day.ToString(c).PadLeft(2),
                'm' => Number(time.Month, 2),
                'y' => Number(time.Year % 100, 2),
                'Y' => time.Year.ToString(c),
                'H' => Number(time.Hour, 2),
                'I' => Number(hour12, 2),
                'M' => Number(time.Minute, 2),
                'S' => Number(time.Second, 2),
                'f' => (time.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", c),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => Number(time.DayOfYear, 3),
                'w' => ((int)time.DayOfWeek).ToString(c),
                'u' => (time.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)time.DayOfWeek).ToString(c),
                'z' => (time.Offset < TimeSpan.Zero ? "-" : "+") + time.Offset.Duration().ToString("hhmm", c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                'D' => time.ToString("MM/dd/yy", c),
                'R' => time.ToString("HH:mm", c),
                'c' => time.ToString("ddd MMM ", c) + time.Day.ToString(c).PadLeft(2) + time.ToString(" HH:mm:ss yyyy", c),
                'x' => time.ToString("MM/dd/yy", c),
                'X' => time.ToString("HH:mm:ss", c),
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => "%" + (noPadding ? "-" : "") + directive,
            });
        }
        return builder.ToString();
    }
}
