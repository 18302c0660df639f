using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace QuantServe.Operator.Runtime;

/// <summary>Converts between YAML documents and JSON nodes. Kubernetes objects are JSON at heart; going
/// through JsonNode keeps one serializer (System.Text.Json with the entities' names and enum values) and
/// gives deterministic YAML for generated CRDs and golden files.</summary>
public static partial class YamlJsonConverter
{
    /// <summary>Writes one JSON value as a YAML document (keys in their JSON order).</summary>
    public static string ToYaml(JsonNode? node)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, new EmitterSettings(2, int.MaxValue, false, 1024, false, false, "\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    /// <summary>Writes several documents separated by `---`.</summary>
    public static string ToYamlAll(IEnumerable<JsonNode?> nodes) =>
        string.Join("---\n", nodes.Select(ToYaml));

    /// <summary>Reads every document of a YAML stream; empty documents are skipped.</summary>
    public static List<JsonNode> FromYamlAll(string yaml, string source = "<yaml>")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new FormatException($"{source}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner reports some malformed input this way, without a position.
            throw new FormatException($"{source}: invalid YAML at line ?: {e.Message}", e);
        }
        var result = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            var node = Convert(document.RootNode);
            if (node is not null) result.Add(node);
        }
        return result;
    }

    /// <summary>Reads a YAML stream holding exactly one document.</summary>
    public static JsonNode FromYaml(string yaml, string source = "<yaml>")
    {
        var all = FromYamlAll(yaml, source);
        if (all.Count != 1) throw new FormatException($"{source}: expected one YAML document, found {all.Count}");
        return all[0];
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    emitter.Emit(StringScalar(key));
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, SequenceStyle.Block));
                foreach (var item in array) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        emitter.Emit(StringScalar(value.GetValue<string>()));
                        break;
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                        emitter.Emit(new Scalar(null, null, value.GetValueKind() == JsonValueKind.True ? "true" : "false", ScalarStyle.Plain, true, false));
                        break;
                    case JsonValueKind.Number:
                        emitter.Emit(new Scalar(null, null, value.ToJsonString(), ScalarStyle.Plain, true, false));
                        break;
                    default:
                        emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                        break;
                }
                break;
        }
    }

    private static Scalar StringScalar(string text)
    {
        // Quote what a YAML reader would otherwise take for a number, a boolean or null.
        var style = text.Contains('\n') ? ScalarStyle.Literal
            : NeedsQuotes(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        return new Scalar(null, null, text, style, true, true);
    }

    private static bool NeedsQuotes(string text) =>
        text.Length == 0 || text != text.Trim() || ImplicitNonString().IsMatch(text);

    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|0x[0-9a-fA-F]+|0o[0-7]+)$")]
    private static partial Regex ImplicitNonString();

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    obj[name] = Convert(value);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children) array.Add(Convert(item));
                return array;
            case YamlScalarNode scalar:
                return ConvertScalar(scalar);
            default:
                throw new FormatException($"unsupported YAML node {node.NodeType} at line {node.Start.Line}");
        }
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) return JsonValue.Create(integer);
        if (FloatLiteral().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return JsonValue.Create(number);
        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatLiteral();

    /// <summary>Pretty JSON, for messages and logs.</summary>
    public static string ToIndentedJson(JsonNode node) =>
        node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
