using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QuantServe.Operator.Webhooks;

/// <summary>The admission webhooks over HTTPS (the API server only calls webhooks over TLS):
/// POST /mutate and /validate with an AdmissionReview. Every replica serves them, leader or not.</summary>
public sealed class AdmissionWebhookServer : IAsyncDisposable
{
    public const string MutatePath = "/mutate";
    public const string ValidatePath = "/validate";

    private readonly WebApplication app;

    private AdmissionWebhookServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts on <paramref name="port"/> (0: a free one) with the PEM certificate and key
    /// (in a cluster: a Secret from cert-manager, mounted into the pod), read again when they change.</summary>
    public static async Task<AdmissionWebhookServer> StartAsync(int port, string certificatePemPath, string keyPemPath, CancellationToken ct)
    {
        var files = new PemFileCertificate(certificatePemPath, keyPemPath);
        return await StartAsync(port, () => files.Current, ct);
    }

    /// <summary>Starts on <paramref name="port"/> (0: a free one), asking <paramref name="certificate"/> for the
    /// certificate at every TLS handshake, so a renewed certificate is served without a restart. While it
    /// answers null, handshakes fail.</summary>
    public static async Task<AdmissionWebhookServer> StartAsync(int port, Func<X509Certificate2?> certificate, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Any, port, listen =>
            listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificate())));
        var app = builder.Build();
        app.MapPost(MutatePath, (Delegate)((HttpContext context) => Review(context, AdmissionReviewHandler.Mutate)));
        app.MapPost(ValidatePath, (Delegate)((HttpContext context) => Review(context, AdmissionReviewHandler.Validate)));
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AdmissionWebhookServer(app, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    private static async Task<IResult> Review(HttpContext context, Func<JsonObject, JsonObject> handle)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (System.Text.Json.JsonException e)
        {
            return Results.BadRequest($"the body is not JSON: {e.Message}");
        }
        if (body is not JsonObject review) return Results.BadRequest("the body is not an AdmissionReview object");
        return Results.Text(handle(review).ToJsonString(), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
