using System.Runtime.InteropServices;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Tests.Checkpoints;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Tests.Quantization;

/// <summary>
/// Writes small pre-quantized checkpoints (safetensors + config files) packed straight from each format's
/// public definition, and remembers the dequantized matrix each layer must load as.
/// </summary>
internal sealed class PrequantizedTestCheckpoint : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly List<TensorData> _tensors = [];
    private SafetensorsCheckpoint? _checkpoint;

    public string Path => _dir.Path;
    public Dictionary<string, double[]> Expected { get; } = [];

    public void WriteFile(string name, string text) => File.WriteAllText(_dir.File(name), text);

    public void Add<T>(string name, SafetensorsDType dtype, long[] shape, T[] values) where T : unmanaged =>
        _tensors.Add(new TensorData(name, dtype, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));

    /// <summary>GPTQ 4-bit v1: qweight 8 rows per word (row k in nibble k % 8), qzeros zero - 1 along columns.</summary>
    public void AddGptq4(string prefix, int k, int n, int groupSize, bool actOrder, int seed)
    {
        var rng = new Random(seed);
        int size = groupSize <= 0 ? k : groupSize, groups = (k + size - 1) / size;
        var gIdx = Enumerable.Range(0, k).Select(i => i / size).ToArray();
        if (actOrder)
            rng.Shuffle(gIdx);
        var scales = Enumerable.Range(0, groups * n).Select(_ => (Half)(0.01 + rng.NextDouble() * 0.05)).ToArray();
        var zeros = Enumerable.Range(0, groups * n).Select(_ => 1 + rng.Next(15)).ToArray();
        var qweight = new int[k / 8 * n];
        var expected = new double[n * k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
            {
                int q = rng.Next(16), g = gIdx[r];
                qweight[r / 8 * n + c] |= q << (4 * (r % 8));
                expected[c * k + r] = (double)scales[g * n + c] * (q - zeros[g * n + c]);
            }
        var qzeros = new int[groups * n / 8];
        for (int g = 0; g < groups; g++)
            for (int c = 0; c < n; c++)
                qzeros[g * n / 8 + c / 8] |= (zeros[g * n + c] - 1) << (4 * (c % 8));
        Add(prefix + ".qweight", SafetensorsDType.I32, [k / 8, n], qweight);
        Add(prefix + ".qzeros", SafetensorsDType.I32, [groups, n / 8], qzeros);
        Add(prefix + ".scales", SafetensorsDType.F16, [groups, n], scales);
        Add(prefix + ".g_idx", SafetensorsDType.I32, [k], gIdx);
        Expected[prefix] = expected;
    }

    /// <summary>AWQ GEMM: qweight [K, N/8] with nibble i holding column order_map[i], zeros without offset.</summary>
    public void AddAwq(string prefix, int k, int n, int groupSize, int seed)
    {
        int[] orderMap = [0, 2, 4, 6, 1, 3, 5, 7];
        var rng = new Random(seed);
        int groups = k / groupSize;
        var scales = Enumerable.Range(0, groups * n).Select(_ => (Half)(0.01 + rng.NextDouble() * 0.05)).ToArray();
        var zeros = Enumerable.Range(0, groups * n).Select(_ => rng.Next(16)).ToArray();
        var q = new int[k * n];
        var expected = new double[n * k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
            {
                q[r * n + c] = rng.Next(16);
                expected[c * k + r] = (double)scales[r / groupSize * n + c] * (q[r * n + c] - zeros[r / groupSize * n + c]);
            }
        var qweight = new int[k * n / 8];
        var qzeros = new int[groups * n / 8];
        for (int j = 0; j < n / 8; j++)
            for (int i = 0; i < 8; i++)
            {
                for (int r = 0; r < k; r++)
                    qweight[r * n / 8 + j] |= q[r * n + 8 * j + orderMap[i]] << (4 * i);
                for (int g = 0; g < groups; g++)
                    qzeros[g * n / 8 + j] |= zeros[g * n + 8 * j + orderMap[i]] << (4 * i);
            }
        Add(prefix + ".qweight", SafetensorsDType.I32, [k, n / 8], qweight);
        Add(prefix + ".qzeros", SafetensorsDType.I32, [groups, n / 8], qzeros);
        Add(prefix + ".scales", SafetensorsDType.F16, [groups, n], scales);
        Expected[prefix] = expected;
    }

    /// <summary>EXL2 with two groups (8-bit then 4-bit rows), a shuffled q_invperm and 4-bit scale codes.</summary>
    public void AddExl2(string prefix, int k, int n, int seed)
    {
        var rng = new Random(seed);
        int rows8 = k / 2, rows4 = k - rows8;
        var invperm = Enumerable.Range(0, k).ToArray();
        rng.Shuffle(invperm);
        var maxes = new[] { (Half)0.75, (Half)1.25 };
        var qscale = new int[2 * n / 8];
        var words8 = rows8 / 4;
        var qweight = new int[(words8 + rows4 / 8) * n];
        var expected = new double[n * k];
        for (int c = 0; c < n; c++)
            for (int g = 0; g < 2; g++)
            {
                int qs = rng.Next(16);
                qscale[g * n / 8 + c / 8] |= qs << (4 * (c % 8));
                double scale = (double)(Half)((qs + 1) * (qs + 1) * (float)(Half)((float)maxes[g] / 256f));
                int bits = g == 0 ? 8 : 4, rows = g == 0 ? rows8 : rows4, first = g == 0 ? 0 : words8;
                for (int r = 0; r < rows; r++)
                {
                    int q = rng.Next(1 << bits);
                    int perWord = 32 / bits;
                    qweight[(first + r / perWord) * n + c] |= q << (bits * (r % perWord));
                    int stored = (g == 0 ? 0 : rows8) + r;
                    expected[c * k + Array.IndexOf(invperm, stored)] = scale * (q - (1 << (bits - 1)));
                }
            }
        Add(prefix + ".q_weight", SafetensorsDType.I32, [qweight.Length / n, n], qweight);
        Add(prefix + ".q_scale", SafetensorsDType.I32, [2, n / 8], qscale);
        Add(prefix + ".q_scale_max", SafetensorsDType.F16, [2], maxes);
        Add(prefix + ".q_groups", SafetensorsDType.I16, [4], new short[] { 8, 0, 4, (short)words8 });
        Add(prefix + ".q_invperm", SafetensorsDType.I16, [k], invperm.Select(i => (short)i).ToArray());
        Expected[prefix] = expected;
    }

    /// <summary>Native Marlin, group -1: IST-DASLab/marlin Layer.pack's tile order, 1024-position shuffle and scale shuffle.</summary>
    public void AddMarlin(string prefix, int k, int n, int seed)
    {
        var rng = new Random(seed);
        var s = Enumerable.Range(0, n).Select(_ => (Half)(0.01 + rng.NextDouble() * 0.03)).ToArray();
        var w = new int[k, n];
        var expected = new double[n * k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++)
            {
                w[r, c] = rng.Next(16);
                expected[c * k + r] = (double)s[c] * (w[r, c] - 8);
            }
        var perm = new List<int>();
        for (int i = 0; i < 32; i++)
        {
            var perm1 = new List<int>();
            for (int block = 0; block < 2; block++)
                foreach (int row in new[] { 2 * (i % 4), 2 * (i % 4) + 1, 2 * (i % 4 + 4), 2 * (i % 4 + 4) + 1 })
                    perm1.Add(16 * row + i / 4 + 8 * block);
            for (int j = 0; j < 4; j++)
                perm.AddRange(perm1.Select(p => p + 256 * j));
        }
        int[] interleave = [0, 2, 4, 6, 1, 3, 5, 7];
        int rowLen = 16 * n;
        var b = new int[k / 16 * rowLen / 8];
        for (int t = 0; t < k / 16; t++)
            for (int j = 0; j < rowLen; j++)
            {
                int src = j / 1024 * 1024 + perm[j % 1024 / 8 * 8 + interleave[j % 8]];
                int code = w[t * 16 + src % 256 / 16, src / 256 * 16 + src % 16];
                b[t * (rowLen / 8) + j / 8] |= code << (4 * (j % 8));
            }
        int[] single = Enumerable.Range(0, 4).SelectMany(i => new[] { 0, 1, 8, 9, 16, 17, 24, 25 }.Select(j => 2 * i + j)).ToArray();
        var stored = Enumerable.Range(0, n).Select(i => s[i / 32 * 32 + single[i % 32]]).ToArray();
        Add(prefix + ".B", SafetensorsDType.I32, [k / 16, 2 * n], b);
        Add(prefix + ".s", SafetensorsDType.F16, [1, n], stored);
        Expected[prefix] = expected;
    }

    /// <summary>Copies a tensor as it is (norms, embeddings, biases of a dense model).</summary>
    public void AddRaw(TensorData tensor) => _tensors.Add(tensor);

    public CheckpointTensors Open()
    {
        SafetensorsWriter.Write(_dir.File(SafetensorsWriter.SingleFileName), _tensors);
        _checkpoint = SafetensorsCheckpoint.Open(_dir.Path);
        return new CheckpointTensors(_checkpoint);
    }

    /// <summary>Forward through the loaded layer for a few rows must match the float64 product of the expected matrix.</summary>
    public unsafe void AssertForwardMatches(ILinear linear, string prefix, int rows)
    {
        var w = Expected[prefix];
        int k = linear.InFeatures, n = linear.OutFeatures;
        var rng = new Random(5);
        var x = Enumerable.Range(0, rows * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = new float[rows * n];
        fixed (float* xp = x)
        fixed (float* yp = y)
            linear.Forward(xp, yp, rows);
        for (int m = 0; m < rows; m++)
            for (int c = 0; c < n; c++)
            {
                double exact = 0, size = 0;
                for (int i = 0; i < k; i++)
                {
                    exact += x[m * k + i] * w[c * k + i];
                    size += Math.Abs(x[m * k + i] * w[c * k + i]);
                }
                y[m * n + c].Should().BeApproximately((float)exact, (float)(1e-5 * size + 1e-6), $"y[{m}, {c}] of {prefix}");
            }
    }

    public void Dispose()
    {
        _checkpoint?.Dispose();
        _dir.Dispose();
    }
}
