// gemv_dense.cu: y[n] = sum_k W[n, k] * x[k] for 16-bit weights (fp16 or bf16, [N, K] row-major, the
// checkpoint's [out, in]), fp32 x and y, fp32 accumulation: the batch-1 decoding GEMV, memory-bound.
// One warp per output row, four rows per 128-thread block; each lane streams 16 bytes (8 weights) per step
// with a non-caching load. Requires K % 8 == 0 (checked by CudaKernels).
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_dense.cu
// Verify: KernelCompilationTests (cvt.f32.f16, ld.global.nc); DeviceKernelTests.Dense_gemv_matches_the_cpu
// (GPU); bench/gpu/check.sh times it against the measured HBM bandwidth and cuBLAS.
#include "common.cuh"

template <bool BF16>
__device__ __forceinline__ void gemv16(const unsigned short* __restrict__ w, const float* __restrict__ x,
                                       float* __restrict__ y, int n_rows, int k) {
    int lane = threadIdx.x & 31;
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= n_rows) return;
    const unsigned short* wr = w + (long long)row * k;
    float sum = 0.f;
    for (int i = lane * 8; i < k; i += 32 * 8) {
        uint4 packed = load_streaming(wr + i);
        float4 x0 = *reinterpret_cast<const float4*>(x + i);
        float4 x1 = *reinterpret_cast<const float4*>(x + i + 4);
        float2 a = BF16 ? bf16x2_to_f32x2(packed.x) : f16x2_to_f32x2(packed.x);
        float2 b = BF16 ? bf16x2_to_f32x2(packed.y) : f16x2_to_f32x2(packed.y);
        float2 c = BF16 ? bf16x2_to_f32x2(packed.z) : f16x2_to_f32x2(packed.z);
        float2 d = BF16 ? bf16x2_to_f32x2(packed.w) : f16x2_to_f32x2(packed.w);
        sum = fmaf(a.x, x0.x, sum); sum = fmaf(a.y, x0.y, sum);
        sum = fmaf(b.x, x0.z, sum); sum = fmaf(b.y, x0.w, sum);
        sum = fmaf(c.x, x1.x, sum); sum = fmaf(c.y, x1.y, sum);
        sum = fmaf(d.x, x1.z, sum); sum = fmaf(d.y, x1.w, sum);
    }
    sum = warp_sum(sum);
    if (lane == 0) y[row] = sum;
}

extern "C" __global__ void gemv_f16(const unsigned short* __restrict__ w, const float* __restrict__ x,
                                    float* __restrict__ y, int n, int k) {
    gemv16<false>(w, x, y, n, k);
}

extern "C" __global__ void gemv_bf16(const unsigned short* __restrict__ w, const float* __restrict__ x,
                                     float* __restrict__ y, int n, int k) {
    gemv16<true>(w, x, y, n, k);
}
