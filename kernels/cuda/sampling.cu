// sampling.cu: greedy sampling on the GPU, so decoding copies one int per sequence back instead of the logits.
// argmax_f32: index of the largest logit per row [rows, vocab], the first one on ties; a NaN wins (the first NaN),
// exactly as QuantServe.Kernels.Cpu.VectorOps.ArgMaxReference. One block per row; threads scan strided, then
// (value, index) pairs meet through warp shuffles and shared memory.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. sampling.cu
// Verify: KernelCompilationTests (shfl.sync.bfly); DeviceKernelTests.ArgMax_matches_the_cpu_reference (GPU).
#include "common.cuh"

__device__ __forceinline__ bool better(float a, int ai, float b, int bi) {
    bool an = a != a, bn = b != b;
    if (an || bn) return an && (!bn || ai < bi);
    return a > b || (a == b && ai < bi);
}

extern "C" __global__ void argmax_f32(const float* __restrict__ logits, int vocab, int* __restrict__ out) {
    __shared__ float values[32];
    __shared__ int indices[32];
    const float* row = logits + (long long)blockIdx.x * vocab;
    float best = NEG_INF;
    int index = 0x7FFFFFFF;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        float v = row[i];
        if (better(v, i, best, index)) { best = v; index = i; }
    }
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        float v = __shfl_xor_sync(0xFFFFFFFFu, best, offset);
        int i = __shfl_xor_sync(0xFFFFFFFFu, index, offset);
        if (better(v, i, best, index)) { best = v; index = i; }
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) { values[warp] = best; indices[warp] = index; }
    __syncthreads();
    if (warp == 0) {
        best = lane < warps ? values[lane] : NEG_INF;
        index = lane < warps ? indices[lane] : 0x7FFFFFFF;
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) {
            float v = __shfl_xor_sync(0xFFFFFFFFu, best, offset);
            int i = __shfl_xor_sync(0xFFFFFFFFu, index, offset);
            if (better(v, i, best, index)) { best = v; index = i; }
        }
        // Every row has at least one value (the launcher checks), so index is always set; 0 guards the impossible.
        if (lane == 0) out[blockIdx.x] = index == 0x7FFFFFFF ? 0 : index;
    }
}
