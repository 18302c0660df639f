using System.Text.Json;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Engine.Tests.Models;

/// <summary>
/// A straightforward float64 Llama/Mistral/Qwen2 forward pass over a whole sequence, written from the
/// definitions in Hugging Face's modeling_llama.py / modeling_mistral.py / modeling_qwen2.py and
/// modeling_rope_utils.py, sharing no code with the engine beyond reading the safetensors bytes.
/// </summary>
internal sealed class ReferenceLlama
{
    private readonly JsonElement _config;
    private readonly SafetensorsCheckpoint _checkpoint;
    private readonly int _hidden, _heads, _kvHeads, _headDim, _vocab, _layers;
    private readonly double _eps;

    public ReferenceLlama(string directory, SafetensorsCheckpoint checkpoint)
    {
        _config = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "config.json"))).RootElement.Clone();
        _checkpoint = checkpoint;
        _hidden = Int("hidden_size");
        _heads = Int("num_attention_heads");
        _kvHeads = Int("num_key_value_heads");
        _headDim = _config.TryGetProperty("head_dim", out var hd) ? hd.GetInt32() : _hidden / _heads;
        _vocab = Int("vocab_size");
        _layers = Int("num_hidden_layers");
        _eps = _config.GetProperty("rms_norm_eps").GetDouble();
    }

    private int Int(string key) => _config.GetProperty(key).GetInt32();

    private string Architecture => _config.GetProperty("architectures")[0].GetString()!;

    private double[] Tensor(string name) => _checkpoint.Get(name).ToFloat32().Select(v => (double)v).ToArray();

    /// <summary>Logits [tokens x vocab] for every position of <paramref name="ids"/>.</summary>
    public double[][] Logits(int[] ids)
    {
        int n = ids.Length;
        var embed = Tensor("model.embed_tokens.weight");
        var h = new double[n][];
        for (int t = 0; t < n; t++)
            h[t] = embed.AsSpan(ids[t] * _hidden, _hidden).ToArray();

        var invFreq = InverseFrequencies(n);
        bool qkvBias = Architecture == "Qwen2ForCausalLM";
        int? window = Architecture switch
        {
            "MistralForCausalLM" when _config.TryGetProperty("sliding_window", out var w) && w.ValueKind == JsonValueKind.Number => w.GetInt32(),
            "Qwen2ForCausalLM" when _config.TryGetProperty("use_sliding_window", out var u) && u.GetBoolean() => _config.GetProperty("sliding_window").GetInt32(),
            _ => null,
        };

        for (int l = 0; l < _layers; l++)
        {
            var p = $"model.layers.{l}";
            var x = h.Select(row => RmsNorm(row, Tensor(p + ".input_layernorm.weight"))).ToArray();
            var q = Linear(x, p + ".self_attn.q_proj", _heads * _headDim, qkvBias);
            var k = Linear(x, p + ".self_attn.k_proj", _kvHeads * _headDim, qkvBias);
            var v = Linear(x, p + ".self_attn.v_proj", _kvHeads * _headDim, qkvBias);
            for (int t = 0; t < n; t++)
            {
                for (int head = 0; head < _heads; head++)
                    RotateHalf(q[t], head * _headDim, t, invFreq);
                for (int head = 0; head < _kvHeads; head++)
                    RotateHalf(k[t], head * _headDim, t, invFreq);
            }
            var attention = new double[n][];
            for (int t = 0; t < n; t++)
            {
                attention[t] = new double[_heads * _headDim];
                for (int head = 0; head < _heads; head++)
                {
                    int kvHead = head / (_heads / _kvHeads); // repeat_kv
                    var scores = new double[t + 1];
                    for (int s = 0; s <= t; s++)
                    {
                        bool masked = window is int w && t - s >= w;
                        double dot = 0;
                        for (int d = 0; d < _headDim; d++)
                            dot += q[t][head * _headDim + d] * k[s][kvHead * _headDim + d];
                        scores[s] = masked ? double.NegativeInfinity : dot / Math.Sqrt(_headDim);
                    }
                    double max = scores.Max(), sum = scores.Sum(sc => Math.Exp(sc - max));
                    for (int s = 0; s <= t; s++)
                    {
                        double weight = Math.Exp(scores[s] - max) / sum;
                        for (int d = 0; d < _headDim; d++)
                            attention[t][head * _headDim + d] += weight * v[s][kvHead * _headDim + d];
                    }
                }
            }
            var o = Linear(attention, p + ".self_attn.o_proj", _hidden, false);
            for (int t = 0; t < n; t++)
                for (int i = 0; i < _hidden; i++)
                    h[t][i] += o[t][i];

            x = h.Select(row => RmsNorm(row, Tensor(p + ".post_attention_layernorm.weight"))).ToArray();
            int inter = Int("intermediate_size");
            var gate = Linear(x, p + ".mlp.gate_proj", inter, false);
            var up = Linear(x, p + ".mlp.up_proj", inter, false);
            var act = gate.Select((g, t) => g.Select((gv, i) => gv / (1 + Math.Exp(-gv)) * up[t][i]).ToArray()).ToArray();
            var down = Linear(act, p + ".mlp.down_proj", _hidden, false);
            for (int t = 0; t < n; t++)
                for (int i = 0; i < _hidden; i++)
                    h[t][i] += down[t][i];
        }
        var final = h.Select(row => RmsNorm(row, Tensor("model.norm.weight"))).ToArray();
        bool tied = _config.TryGetProperty("tie_word_embeddings", out var tie) && tie.GetBoolean();
        var lmHead = tied ? embed : Tensor("lm_head.weight");
        return final.Select(row => MatVec(lmHead, row, _vocab)).ToArray();
    }

    private double[] RmsNorm(double[] x, double[] weight)
    {
        double variance = x.Sum(v => v * v) / x.Length;
        double scale = 1.0 / Math.Sqrt(variance + _eps);
        return x.Select((v, i) => weight[i] * (v * scale)).ToArray();
    }

    private double[][] Linear(double[][] x, string prefix, int outFeatures, bool bias)
    {
        var w = Tensor(prefix + ".weight");
        var b = bias ? Tensor(prefix + ".bias") : null;
        return x.Select(row =>
        {
            var y = MatVec(w, row, outFeatures);
            if (b is not null)
                for (int i = 0; i < outFeatures; i++)
                    y[i] += b[i];
            return y;
        }).ToArray();
    }

    private static double[] MatVec(double[] w, double[] x, int rows)
    {
        int cols = x.Length;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < cols; c++)
                sum += w[(long)r * cols + c] * x[c];
            y[r] = sum;
        }
        return y;
    }

    // q * cos + rotate_half(q) * sin, with cos/sin = cat(freqs, freqs) and rotate_half(x) = cat(-x2, x1).
    private void RotateHalf(double[] vector, int offset, int position, double[] invFreq)
    {
        int half = _headDim / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = position * invFreq[i], cos = Math.Cos(angle), sin = Math.Sin(angle);
            double x1 = vector[offset + i], x2 = vector[offset + half + i];
            vector[offset + i] = x1 * cos - x2 * sin;
            vector[offset + half + i] = x2 * cos + x1 * sin;
        }
    }

    // modeling_rope_utils: default, linear, dynamic (for this sequence length) and llama3 inv_freq.
    private double[] InverseFrequencies(int sequenceLength)
    {
        double theta = _config.GetProperty("rope_theta").GetDouble();
        int maxPositions = Int("max_position_embeddings");
        JsonElement? scaling = _config.TryGetProperty("rope_scaling", out var s) && s.ValueKind == JsonValueKind.Object ? s : null;
        string? type = scaling?.GetProperty("rope_type").GetString();
        double factor = scaling?.GetProperty("factor").GetDouble() ?? 1;
        if (type == "dynamic" && sequenceLength > maxPositions)
            theta *= Math.Pow(factor * sequenceLength / maxPositions - (factor - 1), _headDim / (_headDim - 2.0));
        var inv = Enumerable.Range(0, _headDim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / _headDim)).ToArray();
        if (type == "linear")
            return inv.Select(f => f / factor).ToArray();
        if (type != "llama3")
            return inv;
        double low = scaling!.Value.GetProperty("low_freq_factor").GetDouble();
        double high = scaling.Value.GetProperty("high_freq_factor").GetDouble();
        double old = scaling.Value.GetProperty("original_max_position_embeddings").GetDouble();
        return inv.Select(f =>
        {
            double wavelen = 2 * Math.PI / f;
            double scaled = wavelen > old / low ? f / factor : f;
            double smooth = (old / wavelen - low) / (high - low);
            bool medium = !(wavelen < old / high) && !(wavelen > old / low);
            return medium ? (1 - smooth) * scaled / factor + smooth * scaled : scaled;
        }).ToArray();
    }
}
