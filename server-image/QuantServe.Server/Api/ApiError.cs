namespace QuantServe.Server.Api;

/// <summary>An error answered in TGI's shape {"error": message, "error_type": type} with a status code.</summary>
public sealed class ApiError(int statusCode, string errorType, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string ErrorType { get; } = errorType;

    public static ApiError Validation(string message) => new(422, "validation", message);
    public static ApiError Overloaded() => new(429, "overloaded", "Model is overloaded");
    public static ApiError Generation(string message) => new(424, "generation", message);
    public static ApiError Incomplete() => new(500, "incomplete_generation", "Incomplete generation");
    public static ApiError Unauthorized() => new(401, "authentication", "Unauthorized");
    public static ApiError Unavailable(string message) => new(503, "unavailable", message);
}
