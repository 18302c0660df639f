// gemv_bnb4.cu: GEMV for bitsandbytes 4-bit weights (nf4 / fp4), stored as bitsandbytes stores them
// (QuantServe.Kernels.Quantized.Bnb4BitWeights on branch wt-quant-load):
//   packed uint8 [N*K/2]: the [N, K] matrix flattened row-major, element e in byte e/2, HIGH nibble when e is even;
//   codebook fp32 [16] (quant_map); one absmax per block of block_size flattened elements, either
//   plain fp32 [blocks] (absmax != null) or double-quantized:
//   absmax[b] = nested_map[absmax_codes[b]] * nested_absmax[b / nested_block_size] + offset.
//   W[e] = codebook[code(e)] * absmax[e / block_size].
// One warp per row; each lane streams 16 bytes (32 weights) per step; the codebook sits in shared memory.
// Requires K % 32 == 0 and block_size % 32 == 0 (so 32 weights share one absmax; checked by CudaKernels).
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_bnb4.cu
// Verify: KernelCompilationTests (ld.global.nc, ld.shared); DeviceKernelTests (GPU); bench/gpu/check.sh.
#include "common.cuh"

extern "C" __global__ void gemv_bnb4(const unsigned char* __restrict__ packed, const float* __restrict__ codebook,
                                     const float* __restrict__ absmax, const unsigned char* __restrict__ absmax_codes,
                                     const float* __restrict__ nested_absmax, const float* __restrict__ nested_map,
                                     int nested_block_size, float offset, int block_size,
                                     const float* __restrict__ x, float* __restrict__ y, int n, int k) {
    __shared__ float book[16];
    if (threadIdx.x < 16) book[threadIdx.x] = codebook[threadIdx.x];
    __syncthreads();
    int lane = threadIdx.x & 31;
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= n) return;
    long long row_start = (long long)row * k;
    float sum = 0.f;
    for (int i = lane * 32; i < k; i += 32 * 32) {
        long long e = row_start + i;
        uint4 bytes = load_streaming(packed + e / 2);
        long long block = e / block_size;
        float scale = absmax != nullptr
            ? absmax[block]
            : nested_map[absmax_codes[block]] * nested_absmax[block / nested_block_size] + offset;
        const float4* xv = reinterpret_cast<const float4*>(x + i);
        unsigned words[4] = {bytes.x, bytes.y, bytes.z, bytes.w};
        float part = 0.f;
#pragma unroll
        for (int wi = 0; wi < 4; wi++) {
            unsigned w = words[wi];
            float4 xa = xv[wi * 2], xb = xv[wi * 2 + 1];
            // byte j holds elements 2j (high nibble) and 2j+1 (low nibble)
            part = fmaf(book[(w >> 4) & 15], xa.x, part);
            part = fmaf(book[w & 15], xa.y, part);
            part = fmaf(book[(w >> 12) & 15], xa.z, part);
            part = fmaf(book[(w >> 8) & 15], xa.w, part);
            part = fmaf(book[(w >> 20) & 15], xb.x, part);
            part = fmaf(book[(w >> 16) & 15], xb.y, part);
            part = fmaf(book[(w >> 28) & 15], xb.z, part);
            part = fmaf(book[(w >> 24) & 15], xb.w, part);
        }
        sum = fmaf(part, scale, sum);
    }
    sum = warp_sum(sum);
    if (lane == 0) y[row] = sum;
}
