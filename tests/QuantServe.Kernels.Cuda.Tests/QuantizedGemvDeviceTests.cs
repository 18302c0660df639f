using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Kernels.Cuda.Tests;

/// <summary>Each quantized GEMV kernel against <see cref="QuantizedReference"/> on random codes. Skipped without a device.</summary>
[Collection(CudaDeviceCollection.Name)]
public sealed class QuantizedGemvDeviceTests(CudaDeviceFixture fixture)
{
    private const int N = 256;
    private const int K = 1024;

    [SkippableFact]
    public void Int8_gemv_matches_the_reference()
    {
        var kernels = fixture.Require();
        var random = new Random(1);
        sbyte[] codes = Enumerable.Range(0, N * K).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        float[] scales = DeviceKernelTests.Values(random, N, 0.01f);
        using var weights = Int8DeviceWeights.Upload(kernels.Device, codes, scales, N, K);

        DeviceKernelTests.AssertGemv(kernels, weights, QuantizedReference.Int8(codes, scales, N, K), DeviceKernelTests.Values(random, K, 1f), N, K);
    }

    [SkippableFact]
    public void Fp8_gemv_matches_the_reference_over_every_finite_code()
    {
        var kernels = fixture.Require();
        var random = new Random(2);
        // Every finite code appears (subnormals and 448 included), the rest random.
        byte[] finite = Enumerable.Range(0, 256).Where(c => (c & 0x7F) != 0x7F).Select(c => (byte)c).ToArray();
        byte[] codes = Enumerable.Range(0, N * K).Select(i => i < finite.Length ? finite[i] : finite[random.Next(finite.Length)]).ToArray();
        float[] scales = DeviceKernelTests.Values(random, N, 0.01f);
        using var weights = Fp8DeviceWeights.Upload(kernels.Device, codes, scales, N, K);

        DeviceKernelTests.AssertGemv(kernels, weights, QuantizedReference.Fp8(codes, scales, N, K), DeviceKernelTests.Values(random, K, 1f), N, K);
    }

    [SkippableTheory]
    [InlineData(64, false)]
    [InlineData(64, true)]
    [InlineData(256, true)]
    public void Bnb4_gemv_matches_the_reference(int blockSize, bool doubleQuantized)
    {
        var kernels = fixture.Require();
        var random = new Random(blockSize + (doubleQuantized ? 1 : 0));
        byte[] packed = Enumerable.Range(0, N * K / 2).Select(_ => (byte)random.Next(256)).ToArray();
        float[] codebook = DeviceKernelTests.Values(random, 16, 1f);
        int blocks = N * K / blockSize;
        float[] absmax;
        Bnb4DeviceWeights weights;
        if (doubleQuantized)
        {
            const int nested = 256;
            byte[] absmaxCodes = Enumerable.Range(0, blocks).Select(_ => (byte)random.Next(256)).ToArray();
            float[] nestedAbsmax = DeviceKernelTests.Values(random, (blocks + nested - 1) / nested, 0.1f);
            float[] nestedMap = DeviceKernelTests.Values(random, 256, 1f);
            const float offset = 0.03f;
            absmax = Enumerable.Range(0, blocks).Select(b => nestedMap[absmaxCodes[b]] * nestedAbsmax[b / nested] + offset).ToArray();
            weights = Bnb4DeviceWeights.UploadDoubleQuantized(kernels.Device, "nf4", packed, codebook, absmaxCodes, nestedAbsmax, nestedMap, nested, offset, blockSize, N, K);
        }
        else
        {
            absmax = DeviceKernelTests.Values(random, blocks, 0.1f);
            weights = Bnb4DeviceWeights.Upload(kernels.Device, "fp4", packed, codebook, absmax, blockSize, N, K);
        }

        using (weights)
            DeviceKernelTests.AssertGemv(kernels, weights, QuantizedReference.Bnb4(packed, codebook, absmax, blockSize, N, K), DeviceKernelTests.Values(random, K, 1f), N, K);
    }

    [SkippableTheory]
    [InlineData(4, 128, true, false)]
    [InlineData(4, 128, false, true)]
    [InlineData(4, -1, true, false)]
    [InlineData(8, 64, true, false)]
    [InlineData(8, 128, false, true)]
    public void Gptq_gemv_matches_the_reference(int bits, int groupSize, bool zeroMinusOne, bool actOrder)
    {
        var kernels = fixture.Require();
        var random = new Random(bits * 1000 + groupSize);
        int perWord = 32 / bits, size = groupSize <= 0 ? K : groupSize, groups = K / size;
        int[] qweight = Enumerable.Range(0, K / perWord * N).Select(_ => random.Next() ^ (random.Next() << 1)).ToArray();
        int[] qzeros = Enumerable.Range(0, groups * N / perWord).Select(_ => random.Next() ^ (random.Next() << 1)).ToArray();
        Half[] scales = Enumerable.Range(0, groups * N).Select(_ => (Half)(random.NextDouble() * 0.01 + 0.001)).ToArray();
        int[]? gIdx = actOrder ? Enumerable.Range(0, K).Select(_ => random.Next(groups)).ToArray() : null;
        using var weights = GptqDeviceWeights.Upload(kernels.Device, bits, groupSize, zeroMinusOne, N, K, qweight, qzeros, scales, gIdx ?? []);

        float[] w = QuantizedReference.Gptq(qweight, qzeros, scales, gIdx, size, bits, zeroMinusOne ? 1 : 0, N, K);
        DeviceKernelTests.AssertGemv(kernels, weights, w, DeviceKernelTests.Values(random, K, 1f), N, K);
    }

    [SkippableTheory]
    [InlineData(128)]
    [InlineData(64)]
    public void Awq_gemv_matches_the_reference(int groupSize)
    {
        var kernels = fixture.Require();
        var random = new Random(groupSize);
        int groups = K / groupSize;
        int[] qweight = Enumerable.Range(0, K * N / 8).Select(_ => random.Next() ^ (random.Next() << 1)).ToArray();
        int[] qzeros = Enumerable.Range(0, groups * N / 8).Select(_ => random.Next() ^ (random.Next() << 1)).ToArray();
        Half[] scales = Enumerable.Range(0, groups * N).Select(_ => (Half)(random.NextDouble() * 0.01 + 0.001)).ToArray();
        using var weights = AwqDeviceWeights.Upload(kernels.Device, groupSize, N, K, qweight, qzeros, scales);

        DeviceKernelTests.AssertGemv(kernels, weights, QuantizedReference.Awq(qweight, qzeros, scales, groupSize, N, K), DeviceKernelTests.Values(random, K, 1f), N, K);
    }

    [SkippableTheory]
    [InlineData(128)]
    [InlineData(96)]
    public void Exl2_gemv_with_mixed_bit_groups_and_a_permutation_matches_the_reference(int groupRows)
    {
        var kernels = fixture.Require();
        var random = new Random(groupRows);
        int k = groupRows * 8;
        var (qWeight, qScale, qScaleMax, qGroups, qInvperm) = QuantizedReference.RandomExl2(random, N, k, groupRows);
        using var weights = Exl2DeviceWeights.Upload(kernels.Device, N, k, qWeight, qScale, qScaleMax, qGroups, qInvperm);

        float[] w = QuantizedReference.Exl2(qWeight, qScale, qScaleMax, qGroups, qInvperm, N, k);
        DeviceKernelTests.AssertGemv(kernels, weights, w, DeviceKernelTests.Values(random, k, 1f), N, k);
    }

    [SkippableFact]
    public void Marlin_checkpoints_run_through_the_gptq_gemv_after_the_repack()
    {
        var kernels = fixture.Require();
        var random = new Random(11);
        int groups = K / 128;
        int[,] codes = new int[K, N];
        for (int r = 0; r < K; r++)
        {
            for (int c = 0; c < N; c++)
                codes[r, c] = random.Next(16);
        }

        Half[] scales = Enumerable.Range(0, groups * N).Select(_ => (Half)(random.NextDouble() * 0.01 + 0.001)).ToArray();
        var (b, s) = MarlinRepackTests.Pack(codes, scales, K, N, groups);
        using var weights = MarlinRepack.Upload(kernels.Device, N, K, 128, b, s);

        float[] w = new float[N * K];
        for (int r = 0; r < K; r++)
        {
            for (int c = 0; c < N; c++)
                w[c * K + r] = (float)scales[r / 128 * N + c] * (codes[r, c] - 8);
        }

        DeviceKernelTests.AssertGemv(kernels, weights, w, DeviceKernelTests.Values(random, K, 1f), N, K);
    }
}
