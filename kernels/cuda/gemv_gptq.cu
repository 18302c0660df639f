// gemv_gptq.cu: GEMV for GPTQ checkpoints, 4 or 8 bits, as stored (QuantServe.Kernels.Quantized.GptqFormat on
// branch wt-quant-pre), K = in_features, N = out_features, b = bits, P = 32 / b rows per word:
//   qweight int32 [K / P, N]: word (r, n) holds rows r*P .. r*P+P-1 of column n, row r*P+i in bits i*b;
//   qzeros int32 [G, N / P]: zero of column n in group g at word g*(N/P) + n/P, bits (n % P)*b; v1 checkpoints
//     store zero - 1 (zero_offset = 1 adds it back without wrapping), gptq_v2 the zero (zero_offset = 0);
//   scales fp16 [G, N]; g_idx int32 [K] (act-order) or null, then row k is in group k / group_size.
//   W[n, k] = scales[g, n] * (q[k, n] - zero[g, n]), g = g_idx[k].
// Layout on the GPU: 256 threads, each owning 4 adjacent columns (one 16-byte load of a word row), 8 warps per
// block splitting the word rows, so a block covers 128 columns; grid (N / 128 rounded up, K slices). Without
// g_idx each word's rows share a group and the sum factors as s * (sum q x - z * sum x); with act-order each row
// looks up its own group. Partial sums of the warps meet in shared memory and go to y by atomicAdd
// (y is zeroed by the launcher). Requires N % 4 == 0, K % P == 0, and without g_idx group_size % P == 0.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_gptq.cu
// Verify: KernelCompilationTests (ld.global.nc, red/atom.global.add.f32, cvt.f32.f16); DeviceKernelTests (GPU,
// with and without act-order, v1 and v2 zeros); bench/gpu/check.sh.
#include "common.cuh"

#define GPTQ_COLUMNS_PER_THREAD 4
#define GPTQ_THREADS_X 32
#define GPTQ_WARPS 8

template <int BITS>
__device__ __forceinline__ void gptq_gemv(const unsigned* __restrict__ qweight, const unsigned* __restrict__ qzeros,
                                          const unsigned short* __restrict__ scales, const int* __restrict__ g_idx,
                                          int group_size, int zero_offset, const float* __restrict__ x,
                                          float* __restrict__ y, int n, int k, int rows_per_slice) {
    constexpr int P = 32 / BITS;
    constexpr unsigned MASK = (1u << BITS) - 1;
    __shared__ float partial[GPTQ_WARPS][GPTQ_THREADS_X * GPTQ_COLUMNS_PER_THREAD];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int col = (blockIdx.x * GPTQ_THREADS_X + lane) * GPTQ_COLUMNS_PER_THREAD;
    int word_rows = k / P;
    int slice_first = blockIdx.y * rows_per_slice / P;
    int slice_end = min(word_rows, (blockIdx.y + 1) * rows_per_slice / P);
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    bool valid = col < n;
    int zero_words = n / P;
    if (valid) {
        int current_group = -1;
        float s[4], z[4];
        for (int r = slice_first + warp; r < slice_end; r += GPTQ_WARPS) {
            uint4 q = load_streaming(qweight + (long long)r * n + col);
            unsigned words[4] = {q.x, q.y, q.z, q.w};
            int k0 = r * P;
            if (g_idx == nullptr) {
                int g = k0 / group_size;
                if (g != current_group) {
                    current_group = g;
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        s[c] = f16_to_f32(scales[(long long)g * n + col + c]);
                        int zc = col + c;
                        unsigned zw = qzeros[(long long)g * zero_words + zc / P];
                        z[c] = (float)(((zw >> ((zc % P) * BITS)) & MASK) + zero_offset);
                    }
                }
                float sx = 0.f, dot[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
                for (int i = 0; i < P; i++) {
                    float xi = x[k0 + i];
                    sx += xi;
#pragma unroll
                    for (int c = 0; c < 4; c++) dot[c] = fmaf((float)((words[c] >> (i * BITS)) & MASK), xi, dot[c]);
                }
#pragma unroll
                for (int c = 0; c < 4; c++) acc[c] = fmaf(s[c], dot[c] - z[c] * sx, acc[c]);
            } else {
#pragma unroll
                for (int i = 0; i < P; i++) {
                    int g = g_idx[k0 + i];
                    float xi = x[k0 + i];
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        int zc = col + c;
                        float sc = f16_to_f32(scales[(long long)g * n + zc]);
                        unsigned zw = qzeros[(long long)g * zero_words + zc / P];
                        float zero = (float)(((zw >> ((zc % P) * BITS)) & MASK) + zero_offset);
                        acc[c] = fmaf(sc * ((float)((words[c] >> (i * BITS)) & MASK) - zero), xi, acc[c]);
                    }
                }
            }
        }
    }
#pragma unroll
    for (int c = 0; c < 4; c++) partial[warp][lane * 4 + c] = acc[c];
    __syncthreads();
    if (warp == 0 && valid) {
#pragma unroll
        for (int c = 0; c < 4; c++) {
            float total = 0.f;
#pragma unroll
            for (int w = 0; w < GPTQ_WARPS; w++) total += partial[w][lane * 4 + c];
            atomicAdd(y + col + c, total);
        }
    }
}

// grid (ceil(N / 128), ceil(K / rows_per_slice)), 256 threads; rows_per_slice a multiple of 32 / bits.
extern "C" __global__ void __launch_bounds__(256) gemv_gptq4(
    const unsigned* __restrict__ qweight, const unsigned* __restrict__ qzeros, const unsigned short* __restrict__ scales,
    const int* __restrict__ g_idx, int group_size, int zero_offset, const float* __restrict__ x, float* __restrict__ y,
    int n, int k, int rows_per_slice) {
    gptq_gemv<4>(qweight, qzeros, scales, g_idx, group_size, zero_offset, x, y, n, k, rows_per_slice);
}

extern "C" __global__ void __launch_bounds__(256) gemv_gptq8(
    const unsigned* __restrict__ qweight, const unsigned* __restrict__ qzeros, const unsigned short* __restrict__ scales,
    const int* __restrict__ g_idx, int group_size, int zero_offset, const float* __restrict__ x, float* __restrict__ y,
    int n, int k, int rows_per_slice) {
    gptq_gemv<8>(qweight, qzeros, scales, g_idx, group_size, zero_offset, x, y, n, k, rows_per_slice);
}
