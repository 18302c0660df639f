using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace QuantServe.Tools.TrainBundledModel.Modeling;

/// <summary>
/// LlamaForCausalLM's forward pass, written out as Hugging Face transformers computes it, in float32:
/// RMSNorm (x * rsqrt(mean(x^2) + eps) * w), rotary embeddings with rotate_half over the two halves of
/// each head (theta 10000), grouped-query attention (each KV head serves Heads / KeyValueHeads
/// consecutive query heads), causal softmax attention scaled by 1/sqrt(head_dim), SwiGLU MLP
/// (down(silu(gate(x)) * up(x))), final norm, and an lm_head tied to the embedding table.
/// The parameters carry Hugging Face's tensor names for export.
/// </summary>
public sealed class LlamaTrainingModel : IDisposable
{
    private readonly LlamaShape shape;
    private readonly Tensor ropeCos;
    private readonly Tensor ropeSin;
    private readonly List<(string Name, Parameter Value)> named = [];
    private readonly Parameter embed;
    private readonly Parameter finalNorm;
    private readonly Layer[] layers;

    private sealed record Layer(Parameter InputNorm, Parameter Q, Parameter K, Parameter V, Parameter O, Parameter PostNorm, Parameter Gate, Parameter Up, Parameter Down);

    public LlamaTrainingModel(LlamaShape shape, long seed)
    {
        this.shape = shape;
        torch.manual_seed(seed);
        int h = shape.HiddenSize;
        Parameter Normal(string name, params long[] dims)
        {
            var p = new Parameter(torch.normal(0.0, 0.02, dims, dtype: float32));
            named.Add((name, p));
            return p;
        }
        Parameter Ones(string name, long n)
        {
            var p = new Parameter(torch.ones(n, dtype: float32));
            named.Add((name, p));
            return p;
        }
        embed = Normal("model.embed_tokens.weight", shape.VocabSize, h);
        layers = new Layer[shape.Layers];
        for (int l = 0; l < shape.Layers; l++)
        {
            string prefix = $"model.layers.{l}.";
            layers[l] = new Layer(
                Ones(prefix + "input_layernorm.weight", h),
                Normal(prefix + "self_attn.q_proj.weight", shape.Heads * shape.HeadDim, h),
                Normal(prefix + "self_attn.k_proj.weight", shape.KeyValueHeads * shape.HeadDim, h),
                Normal(prefix + "self_attn.v_proj.weight", shape.KeyValueHeads * shape.HeadDim, h),
                Normal(prefix + "self_attn.o_proj.weight", h, shape.Heads * shape.HeadDim),
                Ones(prefix + "post_attention_layernorm.weight", h),
                Normal(prefix + "mlp.gate_proj.weight", shape.IntermediateSize, h),
                Normal(prefix + "mlp.up_proj.weight", shape.IntermediateSize, h),
                Normal(prefix + "mlp.down_proj.weight", h, shape.IntermediateSize));
        }
        finalNorm = Ones("model.norm.weight", h);

        // HF's default rotary embedding: inv_freq = 1 / theta^(2i/d), angles = position * inv_freq,
        // duplicated over both halves of the head (cat(freqs, freqs)).
        var invFreq = 1.0 / torch.pow(shape.RopeTheta, torch.arange(0, shape.HeadDim, 2, dtype: int64).to(float32) / shape.HeadDim);
        var positions = torch.arange(shape.ContextLength, dtype: float32);
        var freqs = torch.outer(positions, invFreq);
        var emb = torch.cat([freqs, freqs], dim: -1);
        ropeCos = emb.cos().DetachFromDisposeScope();
        ropeSin = emb.sin().DetachFromDisposeScope();
    }

    public LlamaShape Shape => shape;

    public IReadOnlyList<(string Name, Parameter Value)> NamedParameters => named;

    public IEnumerable<Parameter> Parameters => named.Select(p => p.Value);

    /// <summary>Logits [batch, time, vocab] for token ids [batch, time].</summary>
    public Tensor Forward(Tensor ids)
    {
        long batch = ids.shape[0];
        long time = ids.shape[1];
        int hd = shape.HeadDim;
        var cos = ropeCos.narrow(0, 0, time);
        var sin = ropeSin.narrow(0, 0, time);
        var x = embed.index_select(0, ids.reshape(-1)).view(batch, time, shape.HiddenSize);
        foreach (var layer in layers)
        {
            var h = RmsNorm(x, layer.InputNorm);
            var q = nn.functional.linear(h, layer.Q).view(batch, time, shape.Heads, hd).transpose(1, 2);
            var k = nn.functional.linear(h, layer.K).view(batch, time, shape.KeyValueHeads, hd).transpose(1, 2);
            var v = nn.functional.linear(h, layer.V).view(batch, time, shape.KeyValueHeads, hd).transpose(1, 2);
            q = q * cos + RotateHalf(q) * sin;
            k = k * cos + RotateHalf(k) * sin;
            int groups = shape.Heads / shape.KeyValueHeads;
            if (groups > 1)
            {
                k = k.repeat_interleave(groups, dim: 1);
                v = v.repeat_interleave(groups, dim: 1);
            }
            var attention = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
            attention = attention.transpose(1, 2).reshape(batch, time, shape.Heads * hd);
            x = x + nn.functional.linear(attention, layer.O);
            h = RmsNorm(x, layer.PostNorm);
            var mlp = nn.functional.silu(nn.functional.linear(h, layer.Gate)) * nn.functional.linear(h, layer.Up);
            x = x + nn.functional.linear(mlp, layer.Down);
        }
        x = RmsNorm(x, finalNorm);
        return nn.functional.linear(x, embed);
    }

    private Tensor RmsNorm(Tensor x, Tensor weight)
    {
        var variance = x.pow(2).mean([-1L], keepdim: true);
        return weight * (x * torch.rsqrt(variance + shape.RmsNormEps));
    }

    private static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return torch.cat([-x2, x1], dim: -1);
    }

    /// <summary>Loads every parameter from a bf16 safetensors file this tool exported (to continue training it).</summary>
    public void LoadBFloat16(string path)
    {
        using var file = QuantServe.Engine.Checkpoints.SafetensorsFile.Open(path);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in named)
        {
            if (!file.Tensors.TryGetValue(name, out var info))
                throw new InvalidDataException($"{path}: tensor '{name}' is missing");
            if (info.DType != QuantServe.Engine.Checkpoints.SafetensorsDType.BF16 || !info.Shape.SequenceEqual(p.shape))
                throw new InvalidDataException($"{path}: tensor '{name}' is {info.DType} [{string.Join(", ", info.Shape)}], expected BF16 [{string.Join(", ", p.shape)}]");
            var bytes = file.GetBytes(name);
            var values = new float[bytes.Length / 2];
            for (int i = 0; i < values.Length; i++)
                values[i] = BitConverter.UInt32BitsToSingle((uint)System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16);
            p.copy_(torch.tensor(values, p.shape, dtype: float32));
        }
    }

    /// <summary>Rounds every parameter to the nearest bfloat16 (ties to even), in place, so that
    /// evaluating the model afterwards measures exactly the weights that get exported.</summary>
    public void RoundParametersToBFloat16()
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, p) in named)
        {
            float[] values = p.data<float>().ToArray();
            BFloat16Rounding.Round(values, out float[] rounded);
            p.copy_(torch.tensor(rounded, p.shape, dtype: float32));
        }
    }

    public void Dispose()
    {
        foreach (var (_, p) in named)
            p.Dispose();
        ropeCos.Dispose();
        ropeSin.Dispose();
    }
}
