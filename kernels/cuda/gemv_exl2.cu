// gemv_exl2.cu: GEMV for EXL2 checkpoints (exllamav2; Exl2Format on branch wt-quant-pre), N = out_features:
//   q_weight int32 [word rows, N]: group g starts at word row first_word[g]; within it each column is a bit
//     stream (stored row r of the group at bit r * bits[g]; 3-, 5- and 6-bit values cross words);
//   bits per group 2, 3, 4, 5, 6 or 8, varying within a layer; the launcher turns q_groups into first_word,
//     first_row (first stored row) and rows per group, and q_invperm into perm (stored row -> input feature);
//   scale of (g, n): fp16((qs + 1)^2 * fp16(q_scale_max[g] / 256)), qs = 4-bit code of column n in
//     q_scale [G, N/8]; symmetric: W[n, perm[s]] = scale * (q - 2^(bits-1)).
// Grid (ceil(N / 128), G), 256 threads: a block takes one group, each thread 4 adjacent columns (16-byte loads),
// the 8 warps take units of 32 stored rows (= bits words); the sum factors as scale * (sum q x - zero * sum x).
// Warps meet in shared memory and y gets atomicAdd (zeroed by the launcher). Requires N % 8 == 0.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_exl2.cu
// Verify: KernelCompilationTests (ld.global.nc, cvt.rn.f16.f32, atom.global.add.f32); DeviceKernelTests (GPU,
// mixed 2..8-bit groups, a random permutation); bench/gpu/check.sh.
#include "common.cuh"

#define EXL2_WARPS 8

template <int BITS>
__device__ __forceinline__ void exl2_units(const unsigned* __restrict__ q_weight, const int* __restrict__ perm,
                                           const float* __restrict__ x, int n, int col, int warp, int first_word,
                                           int first_row, int rows, int word_rows, float (&dot)[4], float& sx) {
    constexpr unsigned MASK = (1u << BITS) - 1;
    int units = (rows + 31) / 32;
    for (int u = warp; u < units; u += EXL2_WARPS) {
        unsigned words[4][BITS];
#pragma unroll
        for (int j = 0; j < BITS; j++) {
            int row = first_word + u * BITS + j;
            uint4 v = row < word_rows ? load_streaming(q_weight + (long long)row * n + col) : make_uint4(0, 0, 0, 0);
            words[0][j] = v.x; words[1][j] = v.y; words[2][j] = v.z; words[3][j] = v.w;
        }
        int base = u * 32;
#pragma unroll
        for (int i = 0; i < 32; i++) {
            if (base + i < rows) {
                float xi = x[perm[first_row + base + i]];
                sx += xi;
                const int bit = i * BITS, w = bit >> 5, shift = bit & 31;
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    unsigned q = words[c][w] >> shift;
                    if (shift + BITS > 32) q |= words[c][w + 1] << (32 - shift);
                    dot[c] = fmaf((float)(q & MASK), xi, dot[c]);
                }
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) gemv_exl2(
    const unsigned* __restrict__ q_weight, const unsigned* __restrict__ q_scale, const unsigned short* __restrict__ q_scale_max,
    const int* __restrict__ group_bits, const int* __restrict__ group_first_word, const int* __restrict__ group_first_row,
    const int* __restrict__ group_rows, const int* __restrict__ perm, int word_rows,
    const float* __restrict__ x, float* __restrict__ y, int n) {
    __shared__ float partial[EXL2_WARPS][128];
    __shared__ float partial_sx[EXL2_WARPS];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int col = (blockIdx.x * 32 + lane) * 4;
    int g = blockIdx.y;
    bool valid = col < n;
    float dot[4] = {0.f, 0.f, 0.f, 0.f};
    float sx = 0.f;
    int bits = group_bits[g];
    if (valid) {
        int first_word = group_first_word[g], first_row = group_first_row[g], rows = group_rows[g];
        switch (bits) {
            case 2: exl2_units<2>(q_weight, perm, x, n, col, warp, first_word, first_row, rows, word_rows, dot, sx); break;
            case 3: exl2_units<3>(q_weight, perm, x, n, col, warp, first_word, first_row, rows, word_rows, dot, sx); break;
            case 4: exl2_units<4>(q_weight, perm, x, n, col, warp, first_word, first_row, rows, word_rows, dot, sx); break;
            case 5: exl2_units<5>(q_weight, perm, x, n, col, warp, first_word, first_row, rows, word_rows, dot, sx); break;
            case 6: exl2_units<6>(q_weight, perm, x, n, col, warp, first_word, first_row, rows, word_rows, dot, sx); break;
            default: exl2_units<8>(q_weight, perm, x, n, col, warp, first_word, first_row, rows, word_rows, dot, sx); break;
        }
    }
#pragma unroll
    for (int c = 0; c < 4; c++) partial[warp][lane * 4 + c] = dot[c];
    if (lane == 0) partial_sx[warp] = sx;
    __syncthreads();
    if (warp != 0 || !valid) return;
    float total_sx = 0.f;
#pragma unroll
    for (int w = 0; w < EXL2_WARPS; w++) total_sx += partial_sx[w];
    float max_scale = f16_to_f32(f32_to_f16(f16_to_f32(q_scale_max[g]) / 256.f));
    float zero = (float)(1 << (bits - 1));
#pragma unroll
    for (int c = 0; c < 4; c++) {
        int column = col + c;
        unsigned qs = (q_scale[(long long)g * (n / 8) + column / 8] >> (4 * (column % 8))) & 15u;
        float scale = f16_to_f32(f32_to_f16((float)((qs + 1) * (qs + 1)) * max_scale));
        float total = 0.f;
#pragma unroll
        for (int w = 0; w < EXL2_WARPS; w++) total += partial[w][lane * 4 + c];
        atomicAdd(y + column, scale * (total - zero * total_sx));
    }
}
