// gemm_w8a8.cu: W8A8 on tensor cores (sm_80+ integer mma): activations quantized per row to int8 on the GPU,
// weights int8 per output row (the Int8RowWeights layout: codes [N, K] row-major, scales fp32 [N]).
//   quantize_rows_int8: a_scale[m] = absmax(x[m, :]) / 127, a[m, k] = round-to-nearest-even(x / a_scale) in
//     [-127, 127] (0 for an all-zero row), one block per row.
//   gemm_w8a8_mma: C[M, N] = a_scale[m] * w_scale[n] * sum_k a[m, k] * w[n, k], exact int32 accumulation by
//     mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32; 64 x 64 output tile per 128-thread block, K steps of 64 bytes
//     staged by cp.async two stages deep (zero-filled past the edges). Requires K % 16 == 0 (checked by CudaKernels).
// Fragment layouts follow the PTX ISA's m16n8k32 .s8 tables (groupID = lane / 4, t = lane % 4).
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemm_w8a8.cu
// Verify: KernelCompilationTests (mma.sync...s32.s8.s8.s32, cp.async, cvt.rni); DeviceKernelTests.W8a8_gemm_matches
// (GPU, exact integer sums); bench/gpu/check.sh.
#include "common.cuh"

#define BM 64
#define BN 64
#define BK 64
#define LDS (BK + 16)

extern "C" __global__ void quantize_rows_int8(const float* __restrict__ x, signed char* __restrict__ q,
                                              float* __restrict__ scales, int k) {
    __shared__ float scratch[32];
    const float* row = x + (long long)blockIdx.x * k;
    float m = 0.f;
    for (int i = threadIdx.x; i < k; i += blockDim.x) m = fmaxf(m, fabsf(row[i]));
    m = warp_max(m);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) scratch[warp] = m;
    __syncthreads();
    m = warp_max(lane < warps ? scratch[lane] : 0.f);
    float scale = m / 127.f;
    if (threadIdx.x == 0) scales[blockIdx.x] = scale;
    signed char* out = q + (long long)blockIdx.x * k;
    for (int i = threadIdx.x; i < k; i += blockDim.x) {
        int v = 0;
        if (scale > 0.f) asm("cvt.rni.s32.f32 %0, %1;" : "=r"(v) : "f"(row[i] / scale));
        out[i] = (signed char)max(-127, min(127, v));
    }
}

__device__ __forceinline__ void copy16_async(void* shared, const void* global, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;"
                 :: "r"((unsigned)__cvta_generic_to_shared(shared)), "l"(global), "r"(valid ? 16 : 0));
}

extern "C" __global__ void __launch_bounds__(128) gemm_w8a8_mma(
    const signed char* __restrict__ a, const float* __restrict__ a_scales, const signed char* __restrict__ w,
    const float* __restrict__ w_scales, float* __restrict__ c, int m, int n, int k) {
    __shared__ __align__(16) signed char as[2][BM][LDS];
    __shared__ __align__(16) signed char bs[2][BN][LDS];
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int group = lane >> 2, t = lane & 3;
    int warp_m = (warp >> 1) * 32, warp_n = (warp & 1) * 32;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    int acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0;

    auto load = [&](int stage, int k0) {
#pragma unroll
        for (int r = 0; r < 2; r++) {
            int chunk = tid + r * 128;             // 256 chunks of 16 bytes per tile
            int row = chunk >> 2, kc = (chunk & 3) * 16;
            bool a_ok = m0 + row < m && k0 + kc < k;
            bool b_ok = n0 + row < n && k0 + kc < k;
            copy16_async(&as[stage][row][kc], a_ok ? a + (long long)(m0 + row) * k + k0 + kc : a, a_ok);
            copy16_async(&bs[stage][row][kc], b_ok ? w + (long long)(n0 + row) * k + k0 + kc : w, b_ok);
        }
        asm volatile("cp.async.commit_group;");
    };

    int steps = (k + BK - 1) / BK;
    load(0, 0);
    for (int step = 0; step < steps; step++) {
        int stage = step & 1;
        if (step + 1 < steps) load(stage ^ 1, (step + 1) * BK);
        else asm volatile("cp.async.commit_group;");
        asm volatile("cp.async.wait_group 1;");
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk += 32) {
            unsigned af[2][4];
#pragma unroll
            for (int i = 0; i < 2; i++) {
                int r = warp_m + i * 16 + group;
                af[i][0] = *reinterpret_cast<const unsigned*>(&as[stage][r][kk + t * 4]);
                af[i][1] = *reinterpret_cast<const unsigned*>(&as[stage][r + 8][kk + t * 4]);
                af[i][2] = *reinterpret_cast<const unsigned*>(&as[stage][r][kk + t * 4 + 16]);
                af[i][3] = *reinterpret_cast<const unsigned*>(&as[stage][r + 8][kk + t * 4 + 16]);
            }
#pragma unroll
            for (int j = 0; j < 4; j++) {
                int col = warp_n + j * 8 + group;
                unsigned b0 = *reinterpret_cast<const unsigned*>(&bs[stage][col][kk + t * 4]);
                unsigned b1 = *reinterpret_cast<const unsigned*>(&bs[stage][col][kk + t * 4 + 16]);
#pragma unroll
                for (int i = 0; i < 2; i++)
                    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                                 : "+r"(acc[i][j][0]), "+r"(acc[i][j][1]), "+r"(acc[i][j][2]), "+r"(acc[i][j][3])
                                 : "r"(af[i][0]), "r"(af[i][1]), "r"(af[i][2]), "r"(af[i][3]), "r"(b0), "r"(b1));
            }
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int row = m0 + warp_m + i * 16 + group, col = n0 + warp_n + j * 8 + t * 2;
#pragma unroll
            for (int half = 0; half < 2; half++) {
                int r = row + half * 8;
                if (r >= m) continue;
                float sa = a_scales[r];
                if (col < n) c[(long long)r * n + col] = sa * w_scales[col] * (float)acc[i][j][half * 2];
                if (col + 1 < n) c[(long long)r * n + col + 1] = sa * w_scales[col + 1] * (float)acc[i][j][half * 2 + 1];
            }
        }
}
