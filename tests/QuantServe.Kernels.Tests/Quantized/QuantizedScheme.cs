using QuantServe.Kernels.Quantized;

namespace QuantServe.Kernels.Tests.Quantized;

/// <summary>
/// One weight format as the shared tests see it (llama.cpp's test-backend-ops pattern): a new format is
/// added to <see cref="All"/> and is covered by every harness test.
/// </summary>
internal sealed record QuantizedScheme(
    string Name,
    Func<float[], int, int, object> Quantize,
    Func<object, float[]> Dequantize,
    Action<object, float[], float[], int> Multiply,
    Action<object, float[], float[], int> MultiplyReference,
    Func<object, long> Bytes)
{
    public static readonly QuantizedScheme Eetq = new(
        "eetq",
        (w, n, k) => Int8RowWeights.Quantize(w, n, k),
        q => ((Int8RowWeights)q).Dequantize(),
        (q, x, y, m) => EetqMatMul.Multiply((Int8RowWeights)q, x, y, m),
        (q, x, y, m) => EetqMatMul.MultiplyReference((Int8RowWeights)q, x, y, m),
        q => ((Int8RowWeights)q).Bytes);

    public static readonly QuantizedScheme Fp8 = new(
        "fp8",
        (w, n, k) => Fp8RowWeights.Quantize(w, n, k),
        q => ((Fp8RowWeights)q).Dequantize(),
        (q, x, y, m) => Fp8MatMul.Multiply((Fp8RowWeights)q, x, y, m),
        (q, x, y, m) => Fp8MatMul.MultiplyReference((Fp8RowWeights)q, x, y, m),
        q => ((Fp8RowWeights)q).Bytes);

    public static readonly QuantizedScheme Nf4 = FourBit("nf4", Bnb4BitType.Nf4, doubleQuantize: true);
    public static readonly QuantizedScheme Fp4 = FourBit("fp4", Bnb4BitType.Fp4, doubleQuantize: true);
    public static readonly QuantizedScheme Nf4PlainAbsmax = FourBit("nf4-plain-absmax", Bnb4BitType.Nf4, doubleQuantize: false);

    public static IReadOnlyDictionary<string, QuantizedScheme> All { get; } =
        new[] { Eetq, Fp8, Nf4, Fp4, Nf4PlainAbsmax }.ToDictionary(s => s.Name);

    public static IEnumerable<object[]> Names => All.Keys.Select(name => new object[] { name });

    public override string ToString() => Name;

    private static QuantizedScheme FourBit(string name, Bnb4BitType type, bool doubleQuantize) => new(
        name,
        (w, n, k) => Bnb4BitWeights.Quantize(type, w, n, k, doubleQuantize),
        q => ((Bnb4BitWeights)q).Dequantize(),
        (q, x, y, m) => Bnb4BitMatMul.Multiply((Bnb4BitWeights)q, x, y, m),
        (q, x, y, m) => Bnb4BitMatMul.MultiplyReference((Bnb4BitWeights)q, x, y, m),
        q => ((Bnb4BitWeights)q).Bytes);
}
