// rmsnorm.cu: y = x * rsqrt(mean(x^2) + eps) * weight per row, fp32, as Hugging Face's LlamaRMSNorm
// (and QuantServe.Kernels.Cpu.RmsNorm): normalize first, then multiply by the weight. y may be x.
// Build: NVRTC through QuantServe.Kernels.Cuda (CudaKernels), or
//   nvcc -arch=sm_90 -ptx -I. rmsnorm.cu
// Verify: KernelCompilationTests (PTX for sm_80/89/90), DeviceKernelTests.RmsNorm_matches_the_cpu_reference
// (on a GPU), bench/gpu/check.sh.
#include "common.cuh"

// One block per row; blockDim.x a multiple of 32, at most 1024.
extern "C" __global__ void rms_norm_f32(const float* __restrict__ x, const float* __restrict__ weight,
                                        float* __restrict__ y, int n, float eps) {
    __shared__ float scratch[32];
    const float* row = x + (long long)blockIdx.x * n;
    float* out = y + (long long)blockIdx.x * n;
    float sum = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = row[i];
        sum = fmaf(v, v, sum);
    }
    sum = block_sum(sum, scratch);
    float inv = 1.f / sqrtf(sum / n + eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        out[i] = __fmul_rn(__fmul_rn(row[i], inv), weight[i]);
}
