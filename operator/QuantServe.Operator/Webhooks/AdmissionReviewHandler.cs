using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Webhooks;

/// <summary>Answers admission.k8s.io/v1 AdmissionReviews for our two kinds: defaulting (a JSON patch that
/// fills every default the entity declares) and validation (every rejection names the field and why).
/// Pure: JSON in, JSON out; the HTTPS server around it is <see cref="AdmissionWebhookServer"/>.</summary>
public static class AdmissionReviewHandler
{
    public static JsonObject Validate(JsonObject review) => Answer(review, request =>
    {
        var obj = request["object"] as JsonObject ?? throw new AdmissionException("request.object", "is missing");
        var errors = KindOf(request) switch
        {
            V1Alpha1InferenceService.EntityKind => InferenceServiceValidator.Validate(Read<V1Alpha1InferenceService>(obj)),
            V1Alpha1QuantizationJob.EntityKind => QuantizationJobValidator.Validate(Read<V1Alpha1QuantizationJob>(obj)),
            var other => throw new AdmissionException("request.kind", $"this webhook does not handle {other}"),
        };
        return errors.Count == 0 ? Allowed() : Denied(errors);
    });

    public static JsonObject Mutate(JsonObject review) => Answer(review, request =>
    {
        var obj = request["object"] as JsonObject ?? throw new AdmissionException("request.object", "is missing");
        JsonNode? defaulted = KindOf(request) switch
        {
            V1Alpha1InferenceService.EntityKind => KubeJson.ToNode(Read<V1Alpha1InferenceService>(obj))["spec"],
            V1Alpha1QuantizationJob.EntityKind => KubeJson.ToNode(Read<V1Alpha1QuantizationJob>(obj))["spec"],
            var other => throw new AdmissionException("request.kind", $"this webhook does not handle {other}"),
        };
        var response = Allowed();
        if (!JsonNode.DeepEquals(defaulted, obj["spec"]))
        {
            // "add" on an existing member replaces it (RFC 6902), so one operation covers both cases.
            var patch = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/spec", ["value"] = defaulted?.DeepClone() });
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }
        return response;
    });

    private static JsonObject Answer(JsonObject review, Func<JsonObject, JsonObject> decide)
    {
        var request = review["request"] as JsonObject;
        JsonObject response;
        try
        {
            if (request is null) throw new AdmissionException("request", "is missing");
            response = decide(request);
        }
        catch (AdmissionException e)
        {
            response = Denied([new FieldError(e.Field, e.Reason)]);
        }
        response["uid"] = request?["uid"]?.DeepClone() ?? "";
        return new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["response"] = response,
        };
    }

    private static string KindOf(JsonObject request) =>
        request["kind"]?["kind"]?.GetValue<string>() ?? request["object"]?["kind"]?.GetValue<string>() ?? "";

    /// <summary>Reads the object with our types; a value they cannot hold (an unknown scheme, a string
    /// for a number) becomes a rejection naming the field.</summary>
    private static T Read<T>(JsonObject obj)
    {
        try
        {
            return KubeJson.FromNode<T>(obj);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "object";
            var value = FindValue(obj, field);
            throw new AdmissionException(field, field.EndsWith("quantize", StringComparison.Ordinal)
                ? $"unknown scheme {value}; expected one of none, bitsandbytes, bitsandbytes-nf4, bitsandbytes-fp4, eetq, fp8, gptq, awq, marlin, exl2"
                : $"invalid value {value}");
        }
    }

    private static string FindValue(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var part in field.Split('.'))
            node = node is JsonObject o ? o[part] : null;
        return node?.ToJsonString() ?? "(missing)";
    }

    private static JsonObject Allowed() => new() { ["allowed"] = true };

    private static JsonObject Denied(IReadOnlyList<FieldError> errors) => new()
    {
        ["allowed"] = false,
        ["status"] = new JsonObject
        {
            ["code"] = 422,
            ["reason"] = "Invalid",
            ["message"] = string.Join("; ", errors.Select(e => e.ToString())),
            ["details"] = new JsonObject
            {
                ["causes"] = new JsonArray(errors.Select(e => (JsonNode?)new JsonObject
                {
                    ["reason"] = "FieldValueInvalid",
                    ["field"] = e.Field,
                    ["message"] = e.Reason,
                }).ToArray()),
            },
        },
    };

    private sealed class AdmissionException(string field, string reason) : Exception($"{field}: {reason}")
    {
        public string Field { get; } = field;
        public string Reason { get; } = reason;
    }
}
