using System.Net;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Certificates;

/// <summary>The operator cannot keep its webhook certificate: the message names the Secret or
/// configuration, and for an API error its status code and the permission that is likely missing.</summary>
public sealed class WebhookCertificateException : Exception
{
    public WebhookCertificateException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>Wraps an API error on <paramref name="what"/> (e.g. "get secrets \"x\" in namespace \"y\"").</summary>
    public static WebhookCertificateException FromApi(KubeApiException e, string what)
    {
        var hint = e.Status switch
        {
            HttpStatusCode.Forbidden => " (the operator's service account lacks this permission: check its Role/ClusterRole)",
            HttpStatusCode.Unauthorized => " (the operator's credentials were refused)",
            _ => "",
        };
        return new WebhookCertificateException($"cannot {what}: {(int)e.Status} {e.Reason ?? e.Status.ToString()}{hint}: {e.Message}", e);
    }
}
