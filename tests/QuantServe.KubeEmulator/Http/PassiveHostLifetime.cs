using Microsoft.Extensions.Hosting;

namespace QuantServe.KubeEmulator.Http;

/// <summary>
/// Replaces the console lifetime: an emulator lives inside a test process and must not take over its
/// Ctrl+C/SIGTERM handling (the console lifetime would swallow the signal and wait for a host stop).
/// </summary>
internal sealed class PassiveHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
