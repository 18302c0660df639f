// rope.cu: rotary position embedding in Hugging Face's rotate_half layout (QuantServe.Kernels.Cpu.Rope),
// in place on [tokens, heads, head_dim] fp32: with h = head_dim / 2,
//   out[i] = x[i]*cos - x[i+h]*sin, out[i+h] = x[i+h]*cos + x[i]*sin,
// cos/sin read from tables [max_position, h] at the token's position. Rounded like PyTorch (two products,
// then one add; no FMA contraction), so it matches the CPU bit for bit.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. rope.cu
// Verify: KernelCompilationTests; DeviceKernelTests.Rope_matches_the_cpu_reference_bit_for_bit (GPU).
#include "common.cuh"

// grid (tokens, ceil(heads * h / blockDim.x)): one thread per (head, pair).
extern "C" __global__ void rope_f32(float* __restrict__ qk, const int* __restrict__ positions,
                                    const float* __restrict__ cos_table, const float* __restrict__ sin_table,
                                    int heads, int head_dim) {
    int half = head_dim >> 1;
    int token = blockIdx.x;
    int item = blockIdx.y * blockDim.x + threadIdx.x;
    if (item >= heads * half) return;
    int head = item / half, i = item % half;
    float* x = qk + ((long long)token * heads + head) * head_dim;
    long long at = (long long)positions[token] * half + i;
    float c = cos_table[at], s = sin_table[at];
    float a = x[i], b = x[i + half];
    x[i] = __fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s));
    x[i + half] = __fadd_rn(__fmul_rn(b, c), __fmul_rn(a, s));
}
