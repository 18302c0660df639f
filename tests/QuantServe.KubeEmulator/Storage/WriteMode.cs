namespace QuantServe.KubeEmulator.Storage;

/// <summary>Which part of an object a write may change.</summary>
internal enum WriteMode
{
    /// <summary>The main resource: status is kept as it was when the resource has a status subresource.</summary>
    Main,

    /// <summary>The /status subresource: everything but status is kept as it was.</summary>
    Status,

    /// <summary>A test playing a controller or kubelet: the whole object, status included.</summary>
    Raw,
}
