namespace QuantServe.Engine.Quantization;

/// <summary>
/// The quantization parameters a checkpoint declares, as TGI reads them (see <see cref="QuantizationConfigReader"/>).
/// </summary>
/// <param name="QuantMethod">gptq, awq, exl2, marlin, fp8...; null when no file names one.</param>
/// <param name="Bits">Bits per weight (default 4).</param>
/// <param name="GroupSize">Rows per quantization group; -1 is one group (default).</param>
/// <param name="DescAct">Act-order: rows are quantized in a permuted order recorded in g_idx.</param>
/// <param name="Sym">Symmetric quantization (zero point fixed at 2^(bits-1)).</param>
/// <param name="CheckpointFormat">e.g. gptq_v2 (zero points without the -1 offset) or marlin_24.</param>
/// <param name="Source">Where the values came from, for error messages.</param>
/// <param name="ModulesToNotConvert">Module names left unquantized (loaded dense).</param>
public sealed record PrequantizedConfig(
    string? QuantMethod,
    int Bits,
    int GroupSize,
    bool DescAct,
    bool Sym,
    string? CheckpointFormat,
    string Source,
    IReadOnlyList<string> ModulesToNotConvert)
{
    /// <summary>TGI's defaults when no file describes the quantization.</summary>
    public static PrequantizedConfig Defaults { get; } = new(null, 4, -1, false, false, null, "defaults (no quantization config found)", []);
}
