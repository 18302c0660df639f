using System.Runtime.InteropServices;
using QuantServe.Kernels.Cuda;
using QuantServe.Kernels.Cuda.Tests;
using QuantServe.Kernels.Cuda.Weights;

namespace QuantServe.Bench.Gpu;

/// <summary>
/// Random weights [n, k] in every quantized format with a CUDA GEMV, each with its dequantized reference when asked
/// (the reference is float32 [n, k], so only for check-sized matrices).
/// </summary>
internal static class QuantizedFormats
{
    private const int GroupSize = 128;

    public static IEnumerable<(string Name, Func<(ICudaGemvWeights Weights, float[] Reference)> Make)> All(CudaDevice device, Random random, int n, int k) =>
        Make(device, random, n, k, withReference: true).Select(f => (f.Name, (Func<(ICudaGemvWeights, float[])>)(() =>
        {
            var (weights, reference) = f.Make();
            return (weights, reference!);
        })));

    public static IEnumerable<(string Name, Func<(ICudaGemvWeights Weights, float[]? Reference)> Make)> Make(CudaDevice device, Random random, int n, int k, bool withReference)
    {
        yield return ("gemv_int8 (W8A16)", () =>
        {
            sbyte[] codes = MemoryMarshal.Cast<byte, sbyte>(Bytes(random, (long)n * k)).ToArray();
            float[] scales = Scales(random, n, 0.01f);
            return (Int8DeviceWeights.Upload(device, codes, scales, n, k), withReference ? QuantizedReference.Int8(codes, scales, n, k) : null);
        });
        yield return ("gemv_fp8_e4m3 (W8A16)", () =>
        {
            byte[] codes = Bytes(random, (long)n * k);
            for (long i = 0; i < codes.LongLength; i++)
            {
                if ((codes[i] & 0x7F) == 0x7F)
                    codes[i] ^= 1;
            }

            float[] scales = Scales(random, n, 0.01f);
            return (Fp8DeviceWeights.Upload(device, codes, scales, n, k), withReference ? QuantizedReference.Fp8(codes, scales, n, k) : null);
        });
        yield return ("gemv_bnb4 nf4 (double-quantized absmax, block 64)", () =>
        {
            byte[] packed = Bytes(random, (long)n * k / 2);
            float[] codebook = Scales(random, 16, 1f);
            int blocks = n * k / 64;
            byte[] codes = Bytes(random, blocks);
            float[] nested = Scales(random, (blocks + 255) / 256, 0.1f), map = Scales(random, 256, 1f);
            float[]? absmax = withReference ? Enumerable.Range(0, blocks).Select(b => map[codes[b]] * nested[b / 256] + 0.01f).ToArray() : null;
            var weights = Bnb4DeviceWeights.UploadDoubleQuantized(device, "nf4", packed, codebook, codes, nested, map, 256, 0.01f, 64, n, k);
            return (weights, withReference ? QuantizedReference.Bnb4(packed, codebook, absmax!, 64, n, k) : null);
        });
        yield return ("gemv_bnb4 fp4 (plain absmax, block 64)", () =>
        {
            byte[] packed = Bytes(random, (long)n * k / 2);
            float[] codebook = Scales(random, 16, 1f), absmax = Scales(random, n * k / 64, 0.1f);
            return (Bnb4DeviceWeights.Upload(device, "fp4", packed, codebook, absmax, 64, n, k), withReference ? QuantizedReference.Bnb4(packed, codebook, absmax, 64, n, k) : null);
        });
        foreach (var (bits, actOrder) in new[] { (4, false), (4, true), (8, false) })
        {
            yield return ($"gemv_gptq{bits} (g{GroupSize}{(actOrder ? ", act-order" : "")})", () =>
            {
                int perWord = 32 / bits, groups = k / GroupSize;
                int[] qweight = Ints(random, (long)k / perWord * n), qzeros = Ints(random, (long)groups * n / perWord);
                Half[] scales = Scales(random, groups * n, 0.01f).Select(v => (Half)v).ToArray();
                int[]? gIdx = actOrder ? Enumerable.Range(0, k).Select(_ => random.Next(groups)).ToArray() : null;
                var weights = GptqDeviceWeights.Upload(device, bits, GroupSize, true, n, k, qweight, qzeros, scales, gIdx ?? []);
                return (weights, withReference ? QuantizedReference.Gptq(qweight, qzeros, scales, gIdx, GroupSize, bits, 1, n, k) : null);
            });
        }

        yield return ($"gemv_awq (g{GroupSize})", () =>
        {
            int groups = k / GroupSize;
            int[] qweight = Ints(random, (long)k * n / 8), qzeros = Ints(random, (long)groups * n / 8);
            Half[] scales = Scales(random, groups * n, 0.01f).Select(v => (Half)v).ToArray();
            return (AwqDeviceWeights.Upload(device, GroupSize, n, k, qweight, qzeros, scales), withReference ? QuantizedReference.Awq(qweight, qzeros, scales, GroupSize, n, k) : null);
        });
        foreach (var format in Exl2(device, random, n, k, withReference))
            yield return format;
    }

    private static IEnumerable<(string, Func<(ICudaGemvWeights, float[]?)>)> Exl2(CudaDevice device, Random random, int n, int k, bool withReference)
    {
        yield return ("gemv_exl2 (groups of 128 rows at 4/3/2/5/6/8 bits, permuted)", () =>
        {
            var (qWeight, qScale, qScaleMax, qGroups, qInvperm) = QuantizedReference.RandomExl2(random, n, k, GroupSize);
            var weights = Exl2DeviceWeights.Upload(device, n, k, qWeight, qScale, qScaleMax, qGroups, qInvperm);
            return (weights, withReference ? QuantizedReference.Exl2(qWeight, qScale, qScaleMax, qGroups, qInvperm, n, k) : null);
        });
    }

    private static byte[] Bytes(Random random, long count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static int[] Ints(Random random, long count) => MemoryMarshal.Cast<byte, int>(Bytes(random, count * 4)).ToArray();

    private static float[] Scales(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
}
