// common.cuh: small self-contained helpers shared by the kernels (NVRTC has no cuda_fp16.h here).
// Build: included by every kernels/cuda/*.cu; QuantServe.Kernels.Cuda hands it to NVRTC by name.
// Verify: tests/QuantServe.Kernels.Cuda.Tests/KernelCompilationTests.cs compiles every kernel for sm_80/89/90
// and checks the PTX holds the cvt instructions below.
#pragma once

#define NEG_INF __int_as_float(0xff800000)

typedef unsigned short f16_bits;   // IEEE binary16, raw bits
typedef unsigned short bf16_bits;  // bfloat16, raw bits

__device__ __forceinline__ float f16_to_f32(f16_bits h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

__device__ __forceinline__ f16_bits f32_to_f16(float f) {
    f16_bits h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

// bf16 -> f32 is exact: the bf16 bits are the f32's upper half.
__device__ __forceinline__ float bf16_to_f32(bf16_bits b) {
    return __uint_as_float(((unsigned)b) << 16);
}

__device__ __forceinline__ bf16_bits f32_to_bf16(float f) {
    bf16_bits b;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(b) : "f"(f));
    return b;
}

// Two halves packed in one 32-bit word, low half first (memory order).
__device__ __forceinline__ float2 f16x2_to_f32x2(unsigned w) {
    return make_float2(f16_to_f32((f16_bits)(w & 0xFFFF)), f16_to_f32((f16_bits)(w >> 16)));
}

__device__ __forceinline__ float2 bf16x2_to_f32x2(unsigned w) {
    return make_float2(__uint_as_float(w << 16), __uint_as_float(w & 0xFFFF0000u));
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(0xFFFFFFFFu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, offset));
    return v;
}

// Sum over a block of up to 32 warps; every thread gets the total. `scratch` holds 32 floats.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.f;
    return warp_sum(v);
}

// Read-only 16-byte load through the non-coherent cache, not kept in L1 (weights are read once).
__device__ __forceinline__ uint4 load_streaming(const void* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}
