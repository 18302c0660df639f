using Xunit.Abstractions;

namespace QuantServe.Operator.Tests.Scale;

public class ScaleTests(ITestOutputHelper output)
{
    [ScaleFact]
    public async Task FiveHundredInferenceServices_AllBecomeReady()
    {
        var log = new StringWriter();
        var result = await ScaleBenchmark.RunAsync(500, log);
        output.WriteLine(log.ToString());
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "quantserve-operator-scale.txt"), result + "\n");
        result.Services.Should().Be(500);
    }
}
