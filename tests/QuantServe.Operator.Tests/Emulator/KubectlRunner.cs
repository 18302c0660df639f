using System.Diagnostics;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>Runs the installed kubectl against an emulator kubeconfig, with its own HOME and discovery cache.</summary>
internal sealed class KubectlRunner(string workDirectory, string kubeconfig)
{
    public const string Executable = "/usr/bin/kubectl";

    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        start.ArgumentList.Add("--kubeconfig=" + kubeconfig);
        start.ArgumentList.Add("--cache-dir=" + Path.Combine(workDirectory, "cache"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = workDirectory;
        start.Environment.Remove("KUBECONFIG");
        start.Environment["NO_PROXY"] = "127.0.0.1";
        start.Environment.Remove("HTTP_PROXY");
        start.Environment.Remove("HTTPS_PROXY");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Executable}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish within 60 s");
        }

        return (process.ExitCode, await output, await error);
    }
}
