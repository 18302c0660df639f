using System.Diagnostics;
using QuantServe.Chart.Tests.Support;

namespace QuantServe.Chart.Tests.Chart;

public sealed class CrdTemplateTests
{
    private static string TemplateOf(string crdFile)
    {
        var kind = File.ReadAllLines(crdFile).SkipWhile(l => l != "  names:").First(l => l.StartsWith("    kind: ", StringComparison.Ordinal))["    kind: ".Length..];
        return Path.Combine(Repository.Templates, kind.ToLowerInvariant() + "-customresourcedefinition.yaml");
    }

    public static TheoryData<string> CrdFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repository.PathOf("crds"), "*.yaml").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CrdFiles))]
    public void The_chart_template_is_the_generated_crd_plus_template_lines_only(string crd)
    {
        var source = Repository.PathOf("crds", crd);
        var template = TemplateOf(source);
        File.Exists(template).Should().BeTrue($"{crd} has a chart template (tools/sync-chart-crds.sh)");
        var lines = File.ReadAllText(template).Split('\n');
        var withoutActions = string.Join('\n', lines.Where(l => !l.Contains("{{", StringComparison.Ordinal))).TrimEnd('\n');
        withoutActions.Should().Be(File.ReadAllText(source).TrimEnd('\n'), "the chart's CRD must not drift from crds/ (run tools/sync-chart-crds.sh)");
    }

    [Theory]
    [MemberData(nameof(CrdFiles))]
    public void The_crd_is_behind_crds_enabled_and_kept_on_uninstall_under_crds_keep(string crd)
    {
        var lines = File.ReadAllText(TemplateOf(Repository.PathOf("crds", crd))).TrimEnd('\n').Split('\n');
        lines[0].Should().Be("{{- if .Values.crds.enabled }}");
        lines[^1].Should().Be("{{- end }}");
        var annotations = Array.IndexOf(lines, "  annotations:");
        annotations.Should().BePositive();
        lines[annotations + 1].Should().Be("    {{ if .Values.crds.keep }}helm.sh/resource-policy: keep{{ end }}");
    }

    [Fact]
    public void The_chart_has_no_crd_template_without_a_source_in_crds()
    {
        var expected = Directory.GetFiles(Repository.PathOf("crds"), "*.yaml").Select(TemplateOf).Order(StringComparer.Ordinal);
        Directory.GetFiles(Repository.Templates, "*-customresourcedefinition.yaml").Order(StringComparer.Ordinal).Should().Equal(expected);
    }

    [Fact]
    public void The_sync_script_finds_the_chart_up_to_date()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Repository.Root };
        start.ArgumentList.Add("tools/sync-chart-crds.sh");
        start.ArgumentList.Add("--check");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, error);
    }
}
