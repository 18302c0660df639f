// gemv_int8.cu: W8A16-style GEMV for symmetric per-output-row int8 weights (EETQ, LLM.int8()'s weight half;
// QuantServe.Kernels.Quantized.Int8RowWeights on branch wt-quant-load): codes int8 [N, K] row-major,
// scales fp32 [N], W[n, k] = codes[n, k] * scales[n]. x, y fp32. y[n] = scales[n] * sum_k codes[n, k] * x[k].
// One warp per row, 4 rows per 128-thread block, each lane streams 16 codes per step. Requires K % 16 == 0.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_int8.cu
// Verify: KernelCompilationTests (cvt.rn.f32.s32, ld.global.nc); DeviceKernelTests.Quantized_gemv_matches_the_reference
// (GPU); bench/gpu/check.sh times it.
#include "common.cuh"

__device__ __forceinline__ float dot4_s8(unsigned w, float4 x) {
    float sum = (float)((int)(w << 24) >> 24) * x.x;
    sum = fmaf((float)((int)(w << 16) >> 24), x.y, sum);
    sum = fmaf((float)((int)(w << 8) >> 24), x.z, sum);
    return fmaf((float)((int)w >> 24), x.w, sum);
}

extern "C" __global__ void gemv_int8(const signed char* __restrict__ codes, const float* __restrict__ scales,
                                     const float* __restrict__ x, float* __restrict__ y, int n, int k) {
    int lane = threadIdx.x & 31;
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= n) return;
    const signed char* wr = codes + (long long)row * k;
    float sum = 0.f;
    for (int i = lane * 16; i < k; i += 32 * 16) {
        uint4 packed = load_streaming(wr + i);
        const float4* xv = reinterpret_cast<const float4*>(x + i);
        sum += dot4_s8(packed.x, xv[0]) + dot4_s8(packed.y, xv[1]) + dot4_s8(packed.z, xv[2]) + dot4_s8(packed.w, xv[3]);
    }
    sum = warp_sum(sum);
    if (lane == 0) y[row] = sum * scales[row];
}
