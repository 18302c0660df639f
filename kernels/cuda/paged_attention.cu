// paged_attention.cu: causal grouped-query attention over a paged KV cache, fp32, the layout of
// QuantServe.Kernels.Cpu.PagedAttention: cache [block][kv_head][slot][head_dim]; token t (query
// [tokens, heads, head_dim]) attends to positions [window_starts[t], positions[t]] of its sequence, found
// through block_tables[block_table_starts[t] + p / block_size]; query head h reads kv head h / (heads / kv_heads).
// softmax(q k^T * scale) v with an online (running max) softmax, so any context length fits.
// head_dim: a multiple of 32, at most 256 (each lane owns head_dim / 32 dimensions, strided by 32).
//
// decode:  grid (tokens, heads), 128 threads; 4 warps split the positions, then merge their partial softmaxes.
// prefill: grid (ceil(tokens / 8), heads), 256 threads; one warp per token. When the tile's 8 tokens share a
//          block table (one sequence, the usual prefill), K/V chunks of 16 positions are staged in shared memory
//          once for all 8 queries (dynamic shared memory 2 * 16 * head_dim * 4 bytes); otherwise each warp
//          reads its own positions from global memory.
// Build: NVRTC through CudaKernels, or nvcc -arch=sm_90 -ptx -I. paged_attention.cu
// Verify: KernelCompilationTests; DeviceKernelTests.PagedAttention_decode/prefill_match_the_cpu_reference (GPU).
#include "common.cuh"

#define MAX_PER_LANE 8
#define PREFILL_TILE 8
#define PREFILL_CHUNK 16

struct Softmax_state {
    float m, l;
    float acc[MAX_PER_LANE];
};

__device__ __forceinline__ void state_init(Softmax_state& s) {
    s.m = NEG_INF;
    s.l = 0.f;
#pragma unroll
    for (int j = 0; j < MAX_PER_LANE; j++) s.acc[j] = 0.f;
}

// One position for one warp: every lane holds q[j] for its dimensions.
__device__ __forceinline__ void attend(Softmax_state& s, const float (&q)[MAX_PER_LANE], const float* k,
                                       const float* v, int per_lane, int lane, float scale) {
    float dot = 0.f;
#pragma unroll
    for (int j = 0; j < MAX_PER_LANE; j++)
        if (j < per_lane) dot = fmaf(q[j], k[lane + 32 * j], dot);
    float score = warp_sum(dot) * scale;
    float m = fmaxf(s.m, score);
    float correction = expf(s.m - m);
    float p = expf(score - m);
    s.l = s.l * correction + p;
#pragma unroll
    for (int j = 0; j < MAX_PER_LANE; j++)
        if (j < per_lane) s.acc[j] = fmaf(p, v[lane + 32 * j], s.acc[j] * correction);
    s.m = m;
}

__device__ __forceinline__ long long cache_offset(const int* block_tables, int table_start, int position, int kv_head,
                                                  int kv_heads, int block_size, int head_dim) {
    int block = block_tables[table_start + position / block_size];
    return (((long long)block * kv_heads + kv_head) * block_size + position % block_size) * head_dim;
}

extern "C" __global__ void paged_attention_decode_f32(
    float* __restrict__ out, const float* __restrict__ query, const float* __restrict__ key_cache,
    const float* __restrict__ value_cache, const int* __restrict__ block_tables, const int* __restrict__ block_table_starts,
    const int* __restrict__ positions, const int* __restrict__ window_starts,
    int heads, int kv_heads, int head_dim, int block_size, float scale) {
    __shared__ float merge_m[4], merge_l[4];
    __shared__ float merge_acc[4][256];
    int token = blockIdx.x, head = blockIdx.y;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    int per_lane = head_dim >> 5, kv_head = head / (heads / kv_heads);
    const float* qp = query + ((long long)token * heads + head) * head_dim;
    float q[MAX_PER_LANE];
#pragma unroll
    for (int j = 0; j < MAX_PER_LANE; j++) q[j] = j < per_lane ? qp[lane + 32 * j] : 0.f;
    int first = window_starts[token], last = positions[token], table = block_table_starts[token];
    Softmax_state s;
    state_init(s);
    for (int p = first + warp; p <= last; p += warps) {
        long long at = cache_offset(block_tables, table, p, kv_head, kv_heads, block_size, head_dim);
        attend(s, q, key_cache + at, value_cache + at, per_lane, lane, scale);
    }
    if (lane == 0) { merge_m[warp] = s.m; merge_l[warp] = s.l; }
#pragma unroll
    for (int j = 0; j < MAX_PER_LANE; j++)
        if (j < per_lane) merge_acc[warp][lane + 32 * j] = s.acc[j];
    __syncthreads();
    float m = NEG_INF;
    for (int w = 0; w < warps; w++) m = fmaxf(m, merge_m[w]);
    float l = 0.f;
    for (int w = 0; w < warps; w++) l += merge_m[w] == NEG_INF ? 0.f : merge_l[w] * expf(merge_m[w] - m);
    float* o = out + ((long long)token * heads + head) * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.f;
        for (int w = 0; w < warps; w++)
            if (merge_m[w] != NEG_INF) sum += merge_acc[w][d] * expf(merge_m[w] - m);
        o[d] = sum / l;
    }
}

extern "C" __global__ void paged_attention_prefill_f32(
    float* __restrict__ out, const float* __restrict__ query, const float* __restrict__ key_cache,
    const float* __restrict__ value_cache, const int* __restrict__ block_tables, const int* __restrict__ block_table_starts,
    const int* __restrict__ positions, const int* __restrict__ window_starts,
    int tokens, int heads, int kv_heads, int head_dim, int block_size, float scale) {
    extern __shared__ float staged[];  // [2][PREFILL_CHUNK][head_dim]: keys, then values
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int head = blockIdx.y, kv_head = head / (heads / kv_heads), per_lane = head_dim >> 5;
    int tile_first = blockIdx.x * PREFILL_TILE;
    int tile_count = min(PREFILL_TILE, tokens - tile_first);
    int token = tile_first + warp;
    bool active = warp < tile_count;

    // Does the whole tile read one block table? Every thread computes the same answer.
    int table = block_table_starts[tile_first];
    bool shared_table = true;
    int lo = 0x7FFFFFFF, hi = -1;
    for (int t = 0; t < tile_count; t++) {
        shared_table &= block_table_starts[tile_first + t] == table;
        lo = min(lo, window_starts[tile_first + t]);
        hi = max(hi, positions[tile_first + t]);
    }

    float q[MAX_PER_LANE];
    int first = 0, last = -1;
    if (active) {
        const float* qp = query + ((long long)token * heads + head) * head_dim;
#pragma unroll
        for (int j = 0; j < MAX_PER_LANE; j++) q[j] = j < per_lane ? qp[lane + 32 * j] : 0.f;
        first = window_starts[token];
        last = positions[token];
    }
    Softmax_state s;
    state_init(s);

    if (shared_table) {
        float* keys = staged;
        float* values = staged + PREFILL_CHUNK * head_dim;
        for (int chunk = lo; chunk <= hi; chunk += PREFILL_CHUNK) {
            int count = min(PREFILL_CHUNK, hi - chunk + 1);
            __syncthreads();
            for (int e = threadIdx.x; e < count * head_dim; e += blockDim.x) {
                int i = e / head_dim, d = e % head_dim;
                long long at = cache_offset(block_tables, table, chunk + i, kv_head, kv_heads, block_size, head_dim) + d;
                keys[e] = key_cache[at];
                values[e] = value_cache[at];
            }
            __syncthreads();
            if (active) {
                int from = max(first, chunk), to = min(last, chunk + count - 1);
                for (int p = from; p <= to; p++)
                    attend(s, q, keys + (p - chunk) * head_dim, values + (p - chunk) * head_dim, per_lane, lane, scale);
            }
        }
    } else if (active) {
        int own_table = block_table_starts[token];
        for (int p = first; p <= last; p++) {
            long long at = cache_offset(block_tables, own_table, p, kv_head, kv_heads, block_size, head_dim);
            attend(s, q, key_cache + at, value_cache + at, per_lane, lane, scale);
        }
    }

    if (active) {
        float* o = out + ((long long)token * heads + head) * head_dim;
#pragma unroll
        for (int j = 0; j < MAX_PER_LANE; j++)
            if (j < per_lane) o[lane + 32 * j] = s.acc[j] / s.l;
    }
}
