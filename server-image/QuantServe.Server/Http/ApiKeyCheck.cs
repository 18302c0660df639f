using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using QuantServe.Server.Api;

namespace QuantServe.Server.Http;

/// <summary>With --api-key set, every POST route needs `Authorization: Bearer KEY` (as TGI protects its inference routes).</summary>
public sealed class ApiKeyCheck(RequestDelegate next, string apiKey)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes("Bearer " + apiKey);

    public Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method))
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, _expected))
                return JsonWire.WriteErrorAsync(context.Response, ApiError.Unauthorized());
        }
        return next(context);
    }
}
