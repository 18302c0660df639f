// read_bandwidth.cu: the HBM read ceiling for the GEMV timings: every thread streams 16-byte non-caching loads
// over a buffer several times the L2 and folds them into one word, written only if impossible (so the loads stay).
// Build: NVRTC through bench/gpu/QuantServe.Bench.Gpu (embedded), or nvcc -arch=sm_90 -ptx read_bandwidth.cu
// Verify: bench/gpu/check.sh prints it next to the device-to-device copy rate; on an H200 expect ~4 TB/s.
extern "C" __global__ void read_bandwidth(const uint4* __restrict__ data, long long count, unsigned* __restrict__ sink) {
    unsigned acc = 0;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x) {
        uint4 v;
        asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                     : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(data + i));
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x9E3779B9u) sink[0] = acc;
}
