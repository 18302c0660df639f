namespace QuantServe.KubeEmulator;

/// <summary>Settings of a <see cref="KubeApiEmulator"/>; the defaults suit tests.</summary>
public sealed record KubeApiEmulatorOptions
{
    /// <summary>How long a watch with allowWatchBookmarks=true stays quiet before the emulator sends a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many changes the watch history keeps; a watch from an older resourceVersion gets 410 Expired.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>How long a watch without timeoutSeconds stays open.</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Namespaces that exist from the start.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>The bearer token written into kubeconfigs (the emulator accepts any caller).</summary>
    public string Token { get; init; } = "kube-emulator-token";

    /// <summary>The version /version reports (kubectl warns when it is more than one minor away from its own).</summary>
    public string KubernetesVersion { get; init; } = "v1.32.0";
}
