namespace QuantServe.Engine.Hub;

/// <summary>What went wrong with a hub download, so callers can react (fall back to the cache, exit codes, messages).</summary>
public enum HubErrorKind
{
    /// <summary>401/403: the repository is gated or private and the token is missing, wrong or lacks access.</summary>
    AccessDenied,

    /// <summary>404: the repository, the revision or a file does not exist.</summary>
    NotFound,

    /// <summary>The hub could not be reached: connection refused or cut, timeout, 429 or 5xx.</summary>
    Unreachable,

    /// <summary>Offline (HF_HUB_OFFLINE or no network) and the cache does not hold the files.</summary>
    NotCached,

    /// <summary>A downloaded file has the wrong size or sha256.</summary>
    IntegrityCheckFailed,

    /// <summary>The repository has no safetensors weights (only PyTorch pickles, or nothing).</summary>
    NoSafetensors,

    /// <summary>The server answered something the hub protocol does not allow (no ETag, bad JSON, unsafe file name...).</summary>
    InvalidResponse,
}
