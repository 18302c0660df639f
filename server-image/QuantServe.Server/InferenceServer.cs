using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuantServe.Server.Http;
using QuantServe.Server.Routes;

namespace QuantServe.Server;

/// <summary>Builds the ASP.NET Core application: Kestrel limits, error shapes, auth, every route, graceful shutdown.</summary>
public static class InferenceServer
{
    /// <param name="urls">Where to listen; null means --hostname:--port.</param>
    public static WebApplication Build(ServingModel serving, string? urls = null, Action<ILoggingBuilder>? logging = null)
    {
        var options = serving.Options;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls ?? $"http://{(options.Hostname is "0.0.0.0" ? "*" : options.Hostname)}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.PayloadLimit;
            k.AddServerHeader = false;
        });
        // SIGTERM: stop accepting, let requests in flight finish (bounded), then exit.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(5));
        builder.Logging.ClearProviders();
        if (logging is not null)
            logging(builder.Logging);
        else
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        app.UseMiddleware<ErrorResponses>();
        if (!string.IsNullOrEmpty(options.ApiKey))
            app.UseMiddleware<ApiKeyCheck>(options.ApiKey);

        var runner = new GenerationRunner(serving);
        TgiRoutes.Map(app, serving, runner);
        InfoRoutes.Map(app, serving);
        OpenAiRoutes.Map(app, serving, runner);
        OpenApiRoute.Map(app);
        app.MapFallback(context => JsonWire.WriteErrorAsync(context.Response, new Api.ApiError(404, "not_found", $"no route {context.Request.Method} {context.Request.Path}")));

        app.Lifetime.ApplicationStopping.Register(() => serving.Scheduler.DrainAsync(options.ShutdownTimeout).GetAwaiter().GetResult());
        return app;
    }

    /// <summary>The first address a started application listens on (port 0 resolved to the real port).</summary>
    public static Uri ListeningAddress(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
