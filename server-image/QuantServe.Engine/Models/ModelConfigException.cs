namespace QuantServe.Engine.Models;

/// <summary>config.json is missing, malformed or describes a model the engine cannot run.</summary>
public sealed class ModelConfigException(string message, Exception? inner = null) : Exception(message, inner);
