// gemm_mma.cu: C[M, N] = A[M, K] * W[N, K]^T on tensor cores (prefill), A and W fp16 or bf16 row-major
// (W is the checkpoint's [out, in]), C fp32, fp32 accumulation.
// 64 x 64 output tile per 128-thread block, 4 warps of 32 x 32, each a 2 x 4 grid of
// mma.sync.aligned.m16n8k16 (sm_80+); K steps of 32 staged in shared memory by cp.async, two stages deep,
// out-of-range rows filled with zeros by cp.async's source size. Requires K % 8 == 0 (checked by CudaKernels).
// Fragment layouts follow the PTX ISA's m16n8k16 .f16/.bf16 tables (groupID = lane / 4, t = lane % 4).
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemm_mma.cu
// Verify: KernelCompilationTests (mma.sync.aligned.m16n8k16, cp.async); DeviceKernelTests.Mma_gemm_matches_the_cpu
// (GPU); bench/gpu/check.sh times it against cuBLAS. Not Hopper's wgmma: that needs sm_90a, which NVRTC 11.8 lacks.
#include "common.cuh"

#define BM 64
#define BN 64
#define BK 32
#define PAD 8
#define LDS (BK + PAD)

__device__ __forceinline__ unsigned smem_address(const void* p) {
    return (unsigned)__cvta_generic_to_shared(p);
}

__device__ __forceinline__ void copy16_async(void* shared, const void* global, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;"
                 :: "r"(smem_address(shared)), "l"(global), "r"(valid ? 16 : 0));
}

template <bool BF16>
__device__ __forceinline__ void mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    if (BF16)
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    else
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <bool BF16>
__device__ __forceinline__ void gemm(const unsigned short* __restrict__ a, const unsigned short* __restrict__ w,
                                     float* __restrict__ c, int m, int n, int k) {
    __shared__ __align__(16) unsigned short as[2][BM][LDS];
    __shared__ __align__(16) unsigned short bs[2][BN][LDS];
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int group = lane >> 2, t = lane & 3;
    int warp_m = (warp >> 1) * 32, warp_n = (warp & 1) * 32;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    float acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int r = 0; r < 4; r++) acc[i][j][r] = 0.f;

    auto load = [&](int stage, int k0) {
#pragma unroll
        for (int r = 0; r < 2; r++) {
            int chunk = tid + r * 128;            // 256 chunks of 8 halves per tile
            int row = chunk >> 2, kc = (chunk & 3) * 8;
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
        for (int kk = 0; kk < BK; kk += 16) {
            unsigned af[2][4];
#pragma unroll
            for (int i = 0; i < 2; i++) {
                int r = warp_m + i * 16 + group;
                af[i][0] = *reinterpret_cast<const unsigned*>(&as[stage][r][kk + t * 2]);
                af[i][1] = *reinterpret_cast<const unsigned*>(&as[stage][r + 8][kk + t * 2]);
                af[i][2] = *reinterpret_cast<const unsigned*>(&as[stage][r][kk + t * 2 + 8]);
                af[i][3] = *reinterpret_cast<const unsigned*>(&as[stage][r + 8][kk + t * 2 + 8]);
            }
#pragma unroll
            for (int j = 0; j < 4; j++) {
                int col = warp_n + j * 8 + group;
                unsigned b0 = *reinterpret_cast<const unsigned*>(&bs[stage][col][kk + t * 2]);
                unsigned b1 = *reinterpret_cast<const unsigned*>(&bs[stage][col][kk + t * 2 + 8]);
#pragma unroll
                for (int i = 0; i < 2; i++) mma16816<BF16>(acc[i][j], af[i], b0, b1);
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
                if (col < n) c[(long long)r * n + col] = acc[i][j][half * 2];
                if (col + 1 < n) c[(long long)r * n + col + 1] = acc[i][j][half * 2 + 1];
            }
        }
}

// grid (ceil(N / 64), ceil(M / 64)), 128 threads.
extern "C" __global__ void __launch_bounds__(128) gemm_f16_mma(const unsigned short* __restrict__ a, const unsigned short* __restrict__ w,
                                                               float* __restrict__ c, int m, int n, int k) {
    gemm<false>(a, w, c, m, n, k);
}

extern "C" __global__ void __launch_bounds__(128) gemm_bf16_mma(const unsigned short* __restrict__ a, const unsigned short* __restrict__ w,
                                                                float* __restrict__ c, int m, int n, int k) {
    gemm<true>(a, w, c, m, n, k);
}
