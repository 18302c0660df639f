// gemv_fp8.cu: W8A16 GEMV for float8 e4m3fn weights with a scale per output row (TGI's fp8 per-row/per-tensor;
// QuantServe.Kernels.Quantized.Fp8RowWeights on branch wt-quant-load): codes [N, K] row-major one byte each
// (S.EEEE.MMM, bias 7, no infinities, NaN codes refused at load), scales fp32 [N], W[n, k] = e4m3(codes) * scales[n].
// Decoding: on sm_89 and later the hardware cvt.rn.f16x2.e4m3x2 turns two codes into two halves; on sm_80 the
// code's 7 magnitude bits shifted into an fp16 (bits << 7) are the same value times 2^-8 (subnormals included),
// so one multiply by 256 finishes it. One warp per row, 16 codes per lane per step. Requires K % 16 == 0.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_fp8.cu
// Verify: KernelCompilationTests (cvt.rn.f16x2.e4m3x2 on sm_89/sm_90 only); DeviceKernelTests (GPU); bench/gpu/check.sh.
#include "common.cuh"

// Two e4m3 codes (low byte first) -> two floats.
__device__ __forceinline__ float2 e4m3x2_to_f32x2(unsigned short pair) {
#if __CUDA_ARCH__ >= 890
    unsigned halves;
    asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(halves) : "h"(pair));
    return f16x2_to_f32x2(halves);
#else
    unsigned lo = pair & 0xFF, hi = pair >> 8;
    f16_bits a = (f16_bits)(((lo & 0x80) << 8) | ((lo & 0x7F) << 7));
    f16_bits b = (f16_bits)(((hi & 0x80) << 8) | ((hi & 0x7F) << 7));
    return make_float2(f16_to_f32(a) * 256.f, f16_to_f32(b) * 256.f);
#endif
}

__device__ __forceinline__ float dot4_e4m3(unsigned w, float4 x) {
    float2 a = e4m3x2_to_f32x2((unsigned short)(w & 0xFFFF));
    float2 b = e4m3x2_to_f32x2((unsigned short)(w >> 16));
    return fmaf(a.x, x.x, fmaf(a.y, x.y, fmaf(b.x, x.z, b.y * x.w)));
}

extern "C" __global__ void gemv_fp8_e4m3(const unsigned char* __restrict__ codes, const float* __restrict__ scales,
                                         const float* __restrict__ x, float* __restrict__ y, int n, int k) {
    int lane = threadIdx.x & 31;
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= n) return;
    const unsigned char* wr = codes + (long long)row * k;
    float sum = 0.f;
    for (int i = lane * 16; i < k; i += 32 * 16) {
        uint4 packed = load_streaming(wr + i);
        const float4* xv = reinterpret_cast<const float4*>(x + i);
        sum += dot4_e4m3(packed.x, xv[0]) + dot4_e4m3(packed.y, xv[1]) + dot4_e4m3(packed.z, xv[2]) + dot4_e4m3(packed.w, xv[3]);
    }
    sum = warp_sum(sum);
    if (lane == 0) y[row] = sum * scales[row];
}
