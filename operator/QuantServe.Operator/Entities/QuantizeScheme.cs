using System.Text.Json.Serialization;

namespace QuantServe.Operator.Entities;

/// <summary>The `--quantize` values the serving image accepts (TGI's names).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuantizeScheme>))]
public enum QuantizeScheme
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("bitsandbytes")] Bitsandbytes,
    [JsonStringEnumMemberName("bitsandbytes-nf4")] BitsandbytesNf4,
    [JsonStringEnumMemberName("bitsandbytes-fp4")] BitsandbytesFp4,
    [JsonStringEnumMemberName("eetq")] Eetq,
    [JsonStringEnumMemberName("fp8")] Fp8,
    [JsonStringEnumMemberName("gptq")] Gptq,
    [JsonStringEnumMemberName("awq")] Awq,
    [JsonStringEnumMemberName("marlin")] Marlin,
    [JsonStringEnumMemberName("exl2")] Exl2,
}
