// gemv_awq.cu: GEMV for AutoAWQ "GEMM" checkpoints, 4-bit, as stored (QuantServe.Kernels.Quantized.AwqFormat on
// branch wt-quant-pre), K = in_features, N = out_features:
//   qweight int32 [K, N / 8]: word (k, j) holds columns 8j..8j+7 of row k, nibble i holding column 8j + ORDER[i],
//     ORDER = [0, 2, 4, 6, 1, 3, 5, 7];
//   qzeros int32 [G, N / 8]: zero points packed the same way, no offset; scales fp16 [G, N]; row k in group
//   k / group_size. W[n, k] = scales[g, n] * (q[k, n] - zero[g, n]).
// One thread per packed word column (8 outputs), grid (ceil((N / 8) / 128), G): a block walks one group's rows,
// so its scale and zero are loaded once and the sum factors as s * (sum q x - z * sum x); the 8 results go
// to y by atomicAdd (zeroed by the launcher). Requires N % 8 == 0.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. gemv_awq.cu
// Verify: KernelCompilationTests (ld.global.nc, atomic add); DeviceKernelTests (GPU); bench/gpu/check.sh.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(128) gemv_awq(
    const unsigned* __restrict__ qweight, const unsigned* __restrict__ qzeros, const unsigned short* __restrict__ scales,
    int group_size, const float* __restrict__ x, float* __restrict__ y, int n, int k) {
    const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
    int words = n / 8;
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= words) return;
    int g = blockIdx.y;
    int first = g * group_size, last = min(k, first + group_size);
    float dot[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    float sx = 0.f;
    for (int r = first; r < last; r++) {
        unsigned w;
        asm("ld.global.nc.u32 %0, [%1];" : "=r"(w) : "l"(qweight + (long long)r * words + j));
        float xr = x[r];
        sx += xr;
#pragma unroll
        for (int i = 0; i < 8; i++) dot[order[i]] = fmaf((float)((w >> (4 * i)) & 15u), xr, dot[order[i]]);
    }
    unsigned zw = qzeros[(long long)g * words + j];
#pragma unroll
    for (int i = 0; i < 8; i++) {
        int c = 8 * j + order[i];
        float s = f16_to_f32(scales[(long long)g * n + c]);
        float z = (float)((zw >> (4 * i)) & 15u);
        atomicAdd(y + c, s * (dot[order[i]] - z * sx));
    }
}
