// swiglu.cu: y = silu(gate) * up, silu(g) = g / (1 + exp(-g)), fp32 (QuantServe.Kernels.Cpu.SwiGlu).
// swiglu_f32 takes separate gate/up vectors; swiglu_fused_f32 takes the fused gate_up projection
// [tokens, 2 * inter] (gate first) and writes [tokens, inter]. expf is the accurate one (no fast math),
// within a few ulp of MathF.Exp.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. swiglu.cu
// Verify: KernelCompilationTests; DeviceKernelTests.SwiGlu_matches_the_cpu_reference (GPU).
#include "common.cuh"

__device__ __forceinline__ float silu_times(float g, float u) {
    return g / (1.f + expf(-g)) * u;
}

extern "C" __global__ void swiglu_f32(const float* __restrict__ gate, const float* __restrict__ up,
                                      float* __restrict__ y, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = silu_times(gate[i], up[i]);
}

extern "C" __global__ void swiglu_fused_f32(const float* __restrict__ gate_up, float* __restrict__ y,
                                            int tokens, int inter) {
    long long n = (long long)tokens * inter;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        long long t = i / inter, j = i % inter;
        const float* row = gate_up + t * 2 * inter;
        y[i] = silu_times(row[j], row[inter + j]);
    }
}
