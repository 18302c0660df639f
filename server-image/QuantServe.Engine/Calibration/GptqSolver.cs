using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// The GPTQ update (Frantar et al. 2022, as IST-DASLab/gptq and AutoGPTQ run it) for one weight matrix
/// W [N x K] given the Hessian H = 2 X X^T / samples of its inputs [K x K]:
/// columns whose H diagonal is 0 are zeroed; with act-order columns are processed by decreasing H
/// diagonal; H gets percdamp * mean(diag H) on its diagonal; U = chol(H^-1) upper; columns are quantized
/// one at a time, each one's rounding error (w - q) / U[c, c] spread over the later columns through row c
/// of U - inside a block of BlockSize columns at once, onto later blocks by one matrix product per block
/// (lazy batch updates). A group's scales are fitted when the group's first column (in processing order)
/// comes up, from the group's current (error-updated) weights; with act-order a group is GroupSize
/// consecutive columns in processing order and g_idx maps each input column to it (static_groups false).
/// With group size -1 each row has one grid fitted from the original weights.
/// <para>Differs from AutoGPTQ only where its groups start inside a lazy block: AutoGPTQ fits those from
/// weights that lack the current block's updates; here they are fitted from the updated weights, the
/// algorithm the lazy batching stands for (with the default 128/128 the two are the same).</para>
/// </summary>
public static unsafe class GptqSolver
{
    /// <summary>Quantizes <paramref name="weight"/> (not modified) against <paramref name="hessian"/> (overwritten).</summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, float[] hessian, GptqOptions options) =>
        Quantize(weight, outFeatures, Prepare(hessian, inFeatures, options), options);

    /// <summary>
    /// What GPTQ derives from the Hessian alone - dead columns, the act-order permutation and the factor U
    /// of the damped inverse - computed once for all the projections that share an input (q/k/v, gate/up).
    /// <paramref name="hessian"/> is overwritten (it becomes U).
    /// </summary>
    public static PreparedHessian Prepare(float[] hessian, int inFeatures, GptqOptions options)
    {
        options.Validate();
        int k = inFeatures;
        if (hessian.Length != (long)k * k)
            throw new ArgumentException($"the Hessian has {hessian.Length} values, not [{k}, {k}]");
        var diagonal = new float[k];
        var dead = new List<int>();
        for (int c = 0; c < k; c++)
        {
            diagonal[c] = hessian[(long)c * k + c];
            if (diagonal[c] == 0)
            {
                // A column no sample ever activates: its weight cannot matter, and H needs a pivot.
                hessian[(long)c * k + c] = 1;
                dead.Add(c);
            }
        }

        var perm = Enumerable.Range(0, k).ToArray();
        if (options.ActOrder)
        {
            perm = perm.OrderByDescending(c => diagonal[c]).ThenBy(c => c).ToArray();
            PermuteSymmetric(hessian, k, perm);
        }

        double mean = 0;
        for (int c = 0; c < k; c++)
            mean += hessian[(long)c * k + c];
        float damp = (float)(options.PercDamp * mean / k);
        for (int c = 0; c < k; c++)
            hessian[(long)c * k + c] += damp;
        InverseHessianFactor.Compute(hessian, k);
        return new PreparedHessian(k, hessian, perm, [.. dead], options.ActOrder);
    }

    /// <summary>Quantizes <paramref name="weight"/> (not modified) with a Hessian prepared under the same options.</summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> weight, int outFeatures, PreparedHessian prepared, GptqOptions options)
    {
        options.Validate();
        int n = outFeatures, k = prepared.InFeatures;
        if (weight.Length != (long)n * k)
            throw new ArgumentException($"the weight has {weight.Length} values, not [{n}, {k}]");
        if (prepared.ActOrder != options.ActOrder)
            throw new ArgumentException("the Hessian was prepared with another act-order setting");
        int groupSize = options.GroupSize;
        int groups = groupSize <= 0 ? 1 : (k + groupSize - 1) / groupSize;
        int bits = options.Bits;

        var w = weight.ToArray();
        var scales = new float[groups * n];
        var zeros = new int[groups * n];
        if (groupSize <= 0)
        {
            var original = w;
            Parallel.For(0, n, r => Store(QuantizationGrid.Fit(original.AsSpan(r * k, k), bits, options.Sym), 0, r, n, scales, zeros));
        }
        foreach (int c in prepared.DeadColumns)
            for (int r = 0; r < n; r++)
                w[(long)r * k + c] = 0;
        var perm = prepared.Permutation;
        if (options.ActOrder)
            w = PermuteColumns(w, n, k, perm);
        var u = prepared.Factor;

        var codes = new byte[(long)n * k];
        var rowError = new double[n];
        int blockSize = options.BlockSize;
        var errors = new float[(long)n * blockSize];
        // Scratch for the lazy updates, sized for the first (largest) one and reused by every block.
        int firstRest = Math.Max(0, k - Math.Min(k, blockSize));
        var transposedU = new float[(long)firstRest * blockSize];
        var delta = new float[(long)n * firstRest];
        for (int i1 = 0; i1 < k; i1 += blockSize)
        {
            int i2 = Math.Min(k, i1 + blockSize), count = i2 - i1;
            var grids = groupSize <= 0 ? null : new QuantizationGrid[n];
            Parallel.For(0, n, () => new float[count + Math.Max(groupSize, 0)], (r, _, scratch) =>
            {
                var row = w.AsSpan(r * k, k);
                var block = scratch.AsSpan(0, count);
                row.Slice(i1, count).CopyTo(block);
                var err = errors.AsSpan(r * blockSize, count);
                double loss = 0;
                QuantizationGrid grid = groupSize <= 0 ? new(scales[r], zeros[r], (1 << bits) - 1) : default;
                for (int i = 0; i < count; i++)
                {
                    int col = i1 + i;
                    if (groupSize > 0)
                    {
                        if (col % groupSize == 0)
                        {
                            grid = QuantizationGrid.Fit(CurrentGroup(row, block, err, u, k, i1, i2, i, col, Math.Min(k, col + groupSize), scratch.AsSpan(count)), bits, options.Sym);
                            Store(grid, col / groupSize, r, n, scales, zeros);
                        }
                        else if (i == 0)
                        {
                            grid = new(scales[col / groupSize * n + r], zeros[col / groupSize * n + r], (1 << bits) - 1);
                        }
                    }
                    float value = block[i];
                    int code = grid.Code(value);
                    codes[(long)r * k + col] = (byte)code;
                    float d = u[(long)col * k + col];
                    float e = (value - grid.Dequantize(code)) / d;
                    loss += (double)e * e / 2;
                    err[i] = e;
                    var uRow = u.AsSpan((int)((long)col * k + col + 1), count - i - 1);
                    VectorOps.Axpy(-e, uRow, block.Slice(i + 1));
                }
                rowError[r] += loss;
                return scratch;
            }, _ => { });

            if (i2 < k)
                UpdateLaterColumns(w, errors, u, n, k, i1, i2, blockSize, transposedU, delta);
        }

        var groupIndex = new int[k];
        for (int j = 0; j < k; j++)
            groupIndex[perm[j]] = groupSize <= 0 ? 0 : j / groupSize;
        if (options.ActOrder)
            codes = UnpermuteCodes(codes, n, k, perm);
        return new QuantizedWeight(n, k, bits, groupSize, codes, scales, zeros, groupIndex) { Error = rowError.Sum() };
    }

    private static void Store(QuantizationGrid grid, int group, int row, int n, float[] scales, int[] zeros)
    {
        scales[group * n + row] = grid.Scale;
        zeros[group * n + row] = grid.Zero;
    }

    // The group's weights as the column-by-column algorithm would see them now: columns in the current
    // block from the block copy, later columns with the current block's pending updates applied.
    private static ReadOnlySpan<float> CurrentGroup(Span<float> row, Span<float> block, Span<float> err, float[] u, int k, int i1, int i2, int i, int start, int end, Span<float> scratch)
    {
        int inBlock = Math.Min(end, i2) - start;
        if (end <= i2)
            return block.Slice(i, inBlock);
        var group = scratch[..(end - start)];
        block.Slice(i, inBlock).CopyTo(group);
        var later = group[inBlock..];
        row[i2..end].CopyTo(later);
        for (int j = 0; j < i; j++)
            VectorOps.Axpy(-err[j], u.AsSpan((int)((long)(i1 + j) * k + i2), end - i2), later);
        return group;
    }

    // W[:, i2:] -= E [n x count] * U[i1:i2, i2:], as one fp32 matrix product (MatMul wants the right
    // operand as [rest x count], so that slice of U is transposed first).
    private static void UpdateLaterColumns(float[] w, float[] errors, float[] u, int n, int k, int i1, int i2, int blockSize, float[] uT, float[] delta)
    {
        int count = i2 - i1, rest = k - i2;
        Parallel.For(0, rest, c =>
        {
            for (int j = 0; j < count; j++)
                uT[(long)c * count + j] = u[(long)(i1 + j) * k + i2 + c];
        });
        if (count != blockSize)
            for (int r = 0; r < n; r++)
                Array.Copy(errors, (long)r * blockSize, errors, (long)r * count, count); // compact in place: r * count <= r * blockSize
        fixed (float* pe = errors, pu = uT, pd = delta)
            MatMul.F32(pe, pu, pd, n, rest, count);
        Parallel.For(0, n, r =>
        {
            var target = w.AsSpan((int)((long)r * k + i2), rest);
            VectorOps.Axpy(-1, delta.AsSpan((int)((long)r * rest), rest), target);
        });
    }

    private static float[] PermuteColumns(float[] w, int n, int k, int[] perm)
    {
        var result = new float[w.Length];
        Parallel.For(0, n, r =>
        {
            for (int j = 0; j < k; j++)
                result[(long)r * k + j] = w[(long)r * k + perm[j]];
        });
        return result;
    }

    private static void PermuteSymmetric(float[] h, int k, int[] perm)
    {
        var copy = (float[])h.Clone();
        Parallel.For(0, k, i =>
        {
            for (int j = 0; j < k; j++)
                h[(long)i * k + j] = copy[(long)perm[i] * k + perm[j]];
        });
    }

    private static byte[] UnpermuteCodes(byte[] codes, int n, int k, int[] perm)
    {
        var result = new byte[codes.Length];
        Parallel.For(0, n, r =>
        {
            for (int j = 0; j < k; j++)
                result[(long)r * k + perm[j]] = codes[(long)r * k + j];
        });
        return result;
    }
}
