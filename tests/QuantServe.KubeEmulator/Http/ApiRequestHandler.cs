using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using QuantServe.KubeEmulator.Discovery;
using QuantServe.KubeEmulator.Patching;
using QuantServe.KubeEmulator.Printing;
using QuantServe.KubeEmulator.Resources;
using QuantServe.KubeEmulator.Selection;
using QuantServe.KubeEmulator.Storage;
using QuantServe.KubeEmulator.Yaml;

namespace QuantServe.KubeEmulator.Http;

/// <summary>Serves every request: injected faults first, then discovery, OpenAPI, and the resource verbs.</summary>
internal sealed class ApiRequestHandler(
    ObjectStore store, FaultInjector faults, KubeApiEmulatorOptions options, Func<string> serverAddress,
    Action<RecordedRequest> record, CancellationToken stopping)
{
    private readonly WatchStreamer _watches = new(store, options, stopping);
    private readonly ServerSideApply _apply = new();

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var target = request.Path.Value + request.QueryString.Value;
        var recorded = false;
        void Record(int status)
        {
            if (!recorded)
            {
                recorded = true;
                record(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", status, request.ContentType));
            }
        }

        try
        {
            var delay = faults.TakeDelay(request.Method, target);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            if (faults.TakeFailure(request.Method, target) is { } failure)
            {
                await WriteJsonAsync(context, failure["code"]!.GetValue<int>(), failure);
                return;
            }

            await DispatchAsync(context, Record);
        }
        catch (ApiException ex) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, ex.Code, ex.ToStatus());
        }
        catch (JsonException ex) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, 400, StatusBodies.Failure(400, "BadRequest", $"the request body is not valid JSON: {ex.Message}"));
        }
        catch (InvalidOperationException ex) when (!context.Response.HasStarted
            && ex.TargetSite?.DeclaringType?.Namespace?.StartsWith("System.Text.Json", StringComparison.Ordinal) == true)
        {
            // A JSON node of the wrong kind (e.g. metadata.name: 5) in the request body.
            await WriteJsonAsync(context, 400, StatusBodies.Failure(400, "BadRequest", $"the request body has a field of the wrong type: {ex.Message}"));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            // An emulator bug: say so in the Status instead of an empty 500.
            await WriteJsonAsync(context, 500, StatusBodies.Failure(500, "InternalError", $"kube emulator failure: {ex}"));
        }
        finally
        {
            Record(context.Response.StatusCode);
        }
    }

    private async Task DispatchAsync(HttpContext context, Action<int> record)
    {
        var path = (context.Request.Path.Value ?? "/").TrimEnd('/');
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var types = store.Catalog.Snapshot();
        switch (segments)
        {
            case ["version"]:
                await WriteJsonAsync(context, 200, VersionDocument());
                return;
            case ["healthz" or "livez" or "readyz", ..]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            case ["api"]:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.CoreVersions(serverAddress()));
                return;
            case ["apis"]:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.GroupList(types));
                return;
            case ["openapi", "v3"]:
                await WriteJsonAsync(context, 200, OpenApiDocuments.Root(types));
                return;
            case ["openapi", "v3", "api", var version]:
                await WriteJsonAsync(context, 200, OpenApiDocuments.GroupVersion(types, "", version) ?? throw NotServed());
                return;
            case ["openapi", "v3", "apis", var group, var version]:
                await WriteJsonAsync(context, 200, OpenApiDocuments.GroupVersion(types, group, version) ?? throw NotServed());
                return;
            case ["api", var version]:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.ResourceList(types, "", version) ?? throw NotServed());
                return;
            case ["apis", var group]:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.GroupDocument(types, group) ?? throw NotServed());
                return;
            case ["apis", var group, var version]:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.ResourceList(types, group, version) ?? throw NotServed());
                return;
        }

        var resourcePath = ApiPath.Parse(path) ?? throw NotServed();
        await ServeResourceAsync(context, resourcePath, record);
    }

    private static ApiException NotServed() => new(404, "NotFound", "the server could not find the requested resource");

    private JsonObject VersionDocument()
    {
        var version = options.KubernetesVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = version[0],
            ["minor"] = version.ElementAtOrDefault(1) ?? "0",
            ["gitVersion"] = options.KubernetesVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.23.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    private async Task ServeResourceAsync(HttpContext context, ApiPath path, Action<int> record)
    {
        var type = store.Catalog.Find(path.Group, path.Version, path.Plural) ?? throw NotServed();
        if ((path.Namespace is not null && !type.Namespaced) || (type.Namespaced && path.Name is not null && path.Namespace is null))
        {
            throw NotServed();
        }

        var request = context.Request;
        var query = request.Query;
        var method = request.Method.ToUpperInvariant();
        var writeOptions = new WriteOptions(query["dryRun"].ToString() == "All", query["fieldValidation"].ToString() == "Strict");
        var watch = path.LegacyWatch || query["watch"].ToString() is "true" or "1";

        if (path.Name is null)
        {
            var labels = LabelSelector.Parse(query["labelSelector"]);
            var fields = FieldSelector.Parse(query["fieldSelector"], type);
            switch (method)
            {
                case "GET" when watch:
                    await StreamWatchAsync(context, type, path, labels, fields, record);
                    return;
                case "GET":
                {
                    var (items, revision) = store.List(type, path.Namespace, labels, fields);
                    await WriteListAsync(context, type, path.Version, items, revision);
                    return;
                }

                case "POST":
                {
                    var body = await ReadObjectAsync(request);
                    if (type.Namespaced && path.Namespace is null)
                    {
                        throw NotServed();
                    }

                    var created = store.Create(type, path.Namespace, body, WriteMode.Main, writeOptions);
                    await WriteObjectAsync(context, 201, type, path.Version, created);
                    return;
                }

                case "DELETE":
                {
                    var options = await ReadDeleteRequestAsync(request);
                    var (items, _) = store.List(type, path.Namespace, labels, fields);
                    var deleted = items.Select(o => store.Delete(type, ObjectStore.Namespace(o), ObjectStore.Name(o), options).Result).ToList();
                    await WriteListAsync(context, type, path.Version, deleted, store.Revision);
                    return;
                }

                default:
                    throw new ApiException(405, "MethodNotAllowed", $"{method} is not supported on a collection");
            }
        }

        if (path.Subresource is not null && !(path.Subresource == "status" && type.HasStatus) && !(path.Subresource == "scale" && type.Scale is not null))
        {
            throw NotServed();
        }

        var name = path.Name;
        var mode = path.Subresource == "status" ? WriteMode.Status : WriteMode.Main;
        switch (method)
        {
            case "GET" when watch:
                await StreamWatchAsync(context, type, path, LabelSelector.Everything, FieldSelector.Parse("metadata.name=" + name, type), record);
                return;
            case "GET":
            {
                var found = store.Get(type, path.Namespace, name) ?? throw ApiException.NotFound(type.QualifiedName, name);
                await WriteResultAsync(context, 200, type, path, found);
                return;
            }

            case "PUT":
            {
                var body = await ReadObjectAsync(request);
                var (result, _) = store.Write(
                    type, path.Namespace, name,
                    current => path.Subresource == "scale" ? ScaleInto(type, current!, body) : body,
                    mode, allowCreate: false, writeOptions);
                await WriteResultAsync(context, 200, type, path, result);
                return;
            }

            case "PATCH":
                await PatchAsync(context, type, path, mode, writeOptions);
                return;
            case "DELETE" when path.Subresource is null:
            {
                var (result, removed) = store.Delete(type, path.Namespace, name, await ReadDeleteRequestAsync(request));
                await WriteObjectAsync(context, removed ? 200 : 202, type, path.Version, result);
                return;
            }

            default:
                throw new ApiException(405, "MethodNotAllowed", $"{method} is not supported here");
        }
    }

    private async Task PatchAsync(HttpContext context, ResourceType type, ApiPath path, WriteMode mode, WriteOptions writeOptions)
    {
        var request = context.Request;
        var contentType = request.ContentType?.Split(';')[0].Trim() ?? "";
        var text = await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
        var name = path.Name!;
        var isApply = contentType == "application/apply-patch+yaml";
        JsonNode? patch = isApply ? YamlToJson.Parse(text) : JsonNode.Parse(text);
        var manager = request.Query["fieldManager"].ToString();
        if (isApply && string.IsNullOrEmpty(manager))
        {
            throw ApiException.BadRequest("PATCH with application/apply-patch+yaml requires the fieldManager query parameter");
        }

        if (contentType == "application/strategic-merge-patch+json" && type.IsCustom)
        {
            throw new ApiException(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }

        JsonObject Patch(JsonObject target) => contentType switch
        {
            "application/merge-patch+json" => MergePatch.Apply(target, patch) as JsonObject ?? throw ApiException.BadRequest("a merge patch must be a JSON object"),
            "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(target, patch) as JsonObject ?? throw ApiException.BadRequest("a strategic merge patch must be a JSON object"),
            "application/json-patch+json" => JsonPatch.Apply(target, patch),
            "application/apply-patch+yaml" => _apply.Merge(
                target, patch as JsonObject ?? throw ApiException.BadRequest("an apply configuration must be an object"),
                ObjectStore.Uid(target), manager, path.Subresource),
            _ => throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format \"{contentType}\" - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
        };

        var (result, created) = store.Write(
            type, path.Namespace, name,
            current =>
            {
                if (current is null)
                {
                    // Only server-side apply creates (allowCreate below); the applied configuration is the new object.
                    return (JsonObject)patch!.DeepClone();
                }

                return path.Subresource == "scale" ? ScaleInto(type, current, Patch(ScaleView(type, current))) : Patch(current);
            },
            mode,
            allowCreate: isApply && path.Subresource is null,
            writeOptions);
        if (isApply && !writeOptions.DryRun)
        {
            _apply.Remember(ObjectStore.Uid(result), manager, path.Subresource, (JsonObject)patch!);
        }

        await WriteResultAsync(context, created ? 201 : 200, type, path, result);
    }

    private async Task StreamWatchAsync(HttpContext context, ResourceType type, ApiPath path, LabelSelector labels, FieldSelector fields, Action<int> record)
    {
        var query = context.Request.Query;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : options.DefaultWatchTimeout;
        var watch = new WatchStreamer.WatchRequest(
            type, path.Version, path.Namespace, labels, fields, query["resourceVersion"],
            query["allowWatchBookmarks"].ToString() is "true" or "1", timeout, WantsTable(context.Request), query["includeObject"],
            query["sendInitialEvents"].ToString() == "true");
        await _watches.StreamAsync(context, watch, record);
    }

    private static JsonObject ScaleView(ResourceType type, JsonObject obj)
    {
        var scale = type.Scale!;
        var selector = scale.SelectorFromSpec
            ? LabelSelector.FormatMatchLabels(obj["spec"]?["selector"] as JsonObject)
            : scale.LabelSelectorPath is { } selectorPath && JsonPathQuery.Evaluate(obj, selectorPath) is [var found, ..] ? JsonPathQuery.Text(found) : "";
        var metadata = obj["metadata"]!;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = Replicas(obj, scale.SpecReplicasPath) },
            ["status"] = new JsonObject { ["replicas"] = Replicas(obj, scale.StatusReplicasPath), ["selector"] = selector },
        };
    }

    private static long Replicas(JsonObject obj, string path) =>
        JsonPathQuery.Evaluate(obj, path) is [JsonValue value, ..] && long.TryParse(value.ToString(), CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>Writes a Scale's spec.replicas (and its resourceVersion precondition) into the scaled object.</summary>
    private static JsonObject ScaleInto(ResourceType type, JsonObject current, JsonObject scale)
    {
        var replicas = scale["spec"]?["replicas"] ?? throw ApiException.Invalid("Scale is invalid: spec.replicas: Required value");
        var desired = (JsonObject)current.DeepClone();
        var segments = type.Scale!.SpecReplicasPath.TrimStart('.').Split('.');
        var parent = desired;
        foreach (var segment in segments[..^1])
        {
            if (parent[segment] is not JsonObject child)
            {
                child = [];
                parent[segment] = child;
            }

            parent = child;
        }

        parent[segments[^1]] = replicas.DeepClone();
        if (scale["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } rv)
        {
            ObjectStore.Metadata(desired)["resourceVersion"] = rv;
        }

        return desired;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpRequest request)
    {
        if (request.ContentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format \"{request.ContentType}\" - accepted media types include: application/json, application/yaml");
        }

        var text = await new StreamReader(request.Body).ReadToEndAsync(request.HttpContext.RequestAborted);
        var node = request.ContentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true ? YamlToJson.Parse(text) : JsonNode.Parse(text);
        return node as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");
    }

    private static async Task<DeleteRequest> ReadDeleteRequestAsync(HttpRequest request)
    {
        var text = await new StreamReader(request.Body).ReadToEndAsync(request.HttpContext.RequestAborted);
        var body = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
        var propagation = request.Query["propagationPolicy"].ToString() is { Length: > 0 } fromQuery
            ? fromQuery
            : body?["propagationPolicy"]?.GetValue<string>() ?? (body?["orphanDependents"]?.GetValue<bool>() == true ? "Orphan" : "Background");
        var dryRun = request.Query["dryRun"].ToString() == "All" || (body?["dryRun"] as JsonArray)?.Any(d => d?.GetValue<string>() == "All") == true;
        return new DeleteRequest(
            body?["preconditions"]?["uid"]?.GetValue<string>(),
            body?["preconditions"]?["resourceVersion"]?.GetValue<string>(),
            propagation,
            dryRun);
    }

    private static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    private static Task WriteResultAsync(HttpContext context, int status, ResourceType type, ApiPath path, JsonObject obj) =>
        path.Subresource == "scale"
            ? WriteJsonAsync(context, status, ScaleView(type, obj))
            : WriteObjectAsync(context, status, type, path.Version, obj);

    private static Task WriteObjectAsync(HttpContext context, int status, ResourceType type, string version, JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["apiVersion"] = type.ApiVersion(version);
        return WantsTable(context.Request)
            ? WriteJsonAsync(context, status, TableConverter.Convert(type, version, [copy], ObjectStore.ResourceVersion(copy), context.Request.Query["includeObject"]))
            : WriteJsonAsync(context, status, copy);
    }

    private static Task WriteListAsync(HttpContext context, ResourceType type, string version, List<JsonObject> items, long revision)
    {
        var rv = revision.ToString(CultureInfo.InvariantCulture);
        var copies = items.Select(o =>
        {
            var copy = (JsonObject)o.DeepClone();
            copy["apiVersion"] = type.ApiVersion(version);
            return copy;
        }).ToList();
        if (WantsTable(context.Request))
        {
            return WriteJsonAsync(context, 200, TableConverter.Convert(type, version, copies, rv, context.Request.Query["includeObject"]));
        }

        return WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion(version),
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv },
            ["items"] = new JsonArray([.. copies]),
        });
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
