using System.Text;

namespace QuantServe.Bench.Gpu;

/// <summary>Markdown lines printed as they come and kept for the report file.</summary>
internal sealed class Report
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString();

    public void Line(string line)
    {
        Console.WriteLine(line);
        Console.Out.Flush();
        _text.AppendLine(line);
    }
}
