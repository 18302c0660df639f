using System.Text.Json;

namespace QuantServe.Engine.Quantization;

/// <summary>
/// Reads a checkpoint's quantization parameters with TGI's precedence, first found wins:
/// 1. <c>config.json</c> <c>quantization_config</c> (bits, group_size, quant_method, checkpoint_format,
///    desc_act, sym, modules_to_not_convert; a <c>zero_point</c> key means AWQ with sym = !zero_point);
/// 2. <c>quantize_config.json</c> (bits, group_size, desc_act, sym or zero_point; version "GEMM" means AWQ);
/// 3. <c>quant_config.json</c> (AutoAWQ: w_bit, q_group_size, desc_act, zero_point, version);
/// 4. defaults: 4 bits, group -1, gptq, asymmetric, no act-order.
/// </summary>
public static class QuantizationConfigReader
{
    public static PrequantizedConfig Read(string directory)
    {
        string config = Path.Combine(directory, "config.json");
        if (File.Exists(config))
        {
            using var doc = Parse(config);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("quantization_config", out var q)
                && q.ValueKind == JsonValueKind.Object)
                return FromObject(q, config + " quantization_config", bitsKey: "bits", groupKey: "group_size");
        }

        string quantize = Path.Combine(directory, "quantize_config.json");
        if (File.Exists(quantize))
        {
            using var doc = Parse(quantize);
            return FromObject(RequireObject(doc, quantize), quantize, bitsKey: "bits", groupKey: "group_size");
        }

        string quant = Path.Combine(directory, "quant_config.json");
        if (File.Exists(quant))
        {
            using var doc = Parse(quant);
            return FromObject(RequireObject(doc, quant), quant, bitsKey: "w_bit", groupKey: "q_group_size");
        }

        return PrequantizedConfig.Defaults;
    }

    private static PrequantizedConfig FromObject(JsonElement q, string source, string bitsKey, string groupKey)
    {
        var d = PrequantizedConfig.Defaults;
        string? method = String(q, "quant_method", source)?.ToLowerInvariant();
        bool sym = Bool(q, "sym", source) ?? d.Sym;
        if (Bool(q, "zero_point", source) is bool zeroPoint)
        {
            // AutoAWQ writes zero_point instead of sym.
            method ??= "awq";
            sym = !zeroPoint;
        }
        if (String(q, "version", source) is string version && version.Equals("GEMM", StringComparison.OrdinalIgnoreCase))
            method ??= "awq";
        var skip = new List<string>();
        if (q.TryGetProperty("modules_to_not_convert", out var modules) && modules.ValueKind == JsonValueKind.Array)
            foreach (var m in modules.EnumerateArray())
                if (m.ValueKind == JsonValueKind.String)
                    skip.Add(m.GetString()!);
        // exl2 writes its average bitrate (e.g. 4.65); the real widths are per group in q_groups.
        int? bits = method == "exl2" && q.TryGetProperty(bitsKey, out var b) && b.ValueKind == JsonValueKind.Number && !b.TryGetInt32(out _)
            ? null
            : Int(q, bitsKey, source);
        return new PrequantizedConfig(
            method,
            bits ?? d.Bits,
            Int(q, groupKey, source) ?? d.GroupSize,
            Bool(q, "desc_act", source) ?? d.DescAct,
            sym,
            String(q, "checkpoint_format", source)?.ToLowerInvariant(),
            source,
            skip);
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static JsonElement RequireObject(JsonDocument doc, string path) =>
        doc.RootElement.ValueKind == JsonValueKind.Object
            ? doc.RootElement
            : throw new InvalidDataException($"{path}: expected a JSON object, found {doc.RootElement.ValueKind}");

    private static int? Int(JsonElement q, string key, string source)
    {
        if (!q.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i))
            return i;
        throw new InvalidDataException($"{source}: '{key}' must be an integer, found {v.GetRawText()}");
    }

    private static bool? Bool(JsonElement q, string key, string source)
    {
        if (!q.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{source}: '{key}' must be true or false, found {v.GetRawText()}"),
        };
    }

    private static string? String(JsonElement q, string key, string source)
    {
        if (!q.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new InvalidDataException($"{source}: '{key}' must be a string, found {v.GetRawText()}");
    }
}
