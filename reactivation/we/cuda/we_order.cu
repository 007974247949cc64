// Stage (d) of Weight Evolution on CUDA: each layer's filters in the stable order of §1.5
// (§0.2: importance descending, equal importances by ascending index), and its pairs, as
// we_match_layer gives them on the CPU. Sorting the unique keys OrderKeys::descending(key, index)
// ascending is that order, so any sort, stable or not, yields it. In the sorted layer of n filters
// with c inferior and p pairs: positions [0, p) are the dominants and [n - c, n) the inferior, both
// in descending order; forward matching zips them. Reverse matching (WE-RM) zips the dominants with
// the inferior set in its own stable ascending order (OrderKeys::ascending), a second sort of the
// inferior set. Pair k of layer l goes to pair_offset[l] + k (module order, as on the CPU).
//
// The keys order as descending_order_key / ascending_order_key (we_math.h) but are packed into
// 31 + index_bits bits (a magnitude key has 31, a position in the largest layer index_bits), so the
// radix sorts make only the passes the table needs: 38 bits for the 64-filter layers of CIFAR
// ResNets, at most 43 for kBlock, instead of 64.
//
// Versions (WeCudaSort):
//   kBlock: one block per layer, cub::BlockRadixSort over a tile of kThreads x kItems keys in
//     registers and shared memory; no temporary buffer, no host synchronisation (CUDA Graph
//     capture). Layers without pairs return at once. Two tiles: 1024 filters (CIFAR ResNets) and
//     kOrderBlockCapacity = 2048 (MobileNetV2's 1280-filter layers).
//   kDeviceSegmented: cub::DeviceSegmentedRadixSort over all filters, a layer per segment, into
//     preallocated scratch, then a grid-stride pass writes the pairs (one more sort for WE-RM).
#include <cub/block/block_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>

#include "kernels/cuda/launch.cuh"
#include "reactivation/we/cuda/we_device.h"

namespace revive::we_cuda {
namespace {

constexpr int kThreads = 256;
constexpr uint32_t kMaxMagnitudeKey = 0x7fffffffu;  // magnitude keys have 31 bits
static_assert(kNanMagnitudeKey <= kMaxMagnitudeKey, "the NaN key fits the magnitude field");

// The keys of one table: (magnitude or its complement) << index_bits | position in the layer.
// Positions are below max_layer_filters <= 2^index_bits - 1, so every real key is below pad().
struct OrderKeys {
  int index_bits;

  __host__ __device__ int bits() const { return 31 + index_bits; }
  __device__ uint64_t pad() const { return (uint64_t{1} << bits()) - 1; }
  __device__ uint64_t descending(uint32_t magnitude, uint32_t index) const {
    return (static_cast<uint64_t>(kMaxMagnitudeKey - magnitude) << index_bits) | index;
  }
  __device__ uint64_t ascending(uint32_t magnitude, uint32_t index) const {
    return (static_cast<uint64_t>(magnitude) << index_bits) | index;
  }
  __device__ uint32_t index(uint64_t key) const {
    return static_cast<uint32_t>(key & ((uint64_t{1} << index_bits) - 1));
  }
  __device__ uint32_t descending_magnitude(uint64_t key) const {
    return kMaxMagnitudeKey - static_cast<uint32_t>(key >> index_bits);
  }
};

// Position q of a layer sorted by OrderKeys::descending: writes its part of the layer's pairs.
// Returns the key for reverse matching's second sort: the entry's ascending key if it is inferior,
// else the pad key.
__device__ uint64_t place_sorted(const OrderKeys& k, uint64_t key, int32_t q, const WeLayerSelection& sel,
                                 int32_t first, int32_t out, WeMatching matching, int32_t* dominant,
                                 int32_t* inferior) {
  const int32_t tail = sel.n_filters - sel.n_inferior;
  const int32_t filter = first + static_cast<int32_t>(k.index(key));
  if (q < sel.n_pairs) dominant[out + q] = filter;
  const bool is_inferior = q >= tail && q < sel.n_filters;
  if (matching == WeMatching::kForward) {
    if (is_inferior && q - tail < sel.n_pairs) inferior[out + q - tail] = filter;
    return k.pad();
  }
  return is_inferior ? k.ascending(k.descending_magnitude(key), k.index(key)) : k.pad();
}

}  // namespace

template <int kItems>
static __global__ void __launch_bounds__(kThreads) order_block_kernel(DeviceTable t, StepParams p, DeviceScratch s) {
  using Sort = cub::BlockRadixSort<uint64_t, kThreads, kItems>;
  __shared__ typename Sort::TempStorage temp;
  const int32_t l = blockIdx.x;
  const WeLayerSelection sel = s.selection[l];
  if (sel.n_pairs == 0) return;
  const int32_t first = t.first_filter[l], out = s.pair_offset[l];
  const OrderKeys k{t.order_index_bits};
  uint64_t keys[kItems];  // blocked arrangement: thread i holds positions [i * kItems, (i + 1) * kItems)
  for (int i = 0; i < kItems; ++i) {
    const int32_t q = threadIdx.x * kItems + i;
    keys[i] = q < sel.n_filters ? k.descending(magnitude_key(s.importance[first + q]), static_cast<uint32_t>(q))
                                : k.pad();
  }
  Sort(temp).Sort(keys, 0, k.bits());
  for (int i = 0; i < kItems; ++i)
    keys[i] = place_sorted(k, keys[i], threadIdx.x * kItems + i, sel, first, out, p.matching, s.dominant, s.inferior);
  if (p.matching == WeMatching::kReverse) {
    __syncthreads();  // the temporary storage is reused
    Sort(temp).Sort(keys, 0, k.bits());
    for (int i = 0; i < kItems; ++i) {
      const int32_t q = threadIdx.x * kItems + i;
      if (q < sel.n_pairs) s.inferior[out + q] = first + static_cast<int32_t>(k.index(keys[i]));
    }
  }
}

void launch_order_block(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream) {
  if (t.n_layers == 0) return;
  const unsigned grid = static_cast<unsigned>(t.n_layers);
  if (t.max_layer_filters <= kThreads * 4) {
    order_block_kernel<4><<<grid, kThreads, 0, stream>>>(t, p, s);
  } else {
    static_assert(kThreads * 8 == kOrderBlockCapacity, "the larger tile is the advertised capacity");
    order_block_kernel<8><<<grid, kThreads, 0, stream>>>(t, p, s);
  }
  REVIVE_CUDA_CHECK_LAUNCH_ON(stream);
}

static __global__ void order_keys_kernel(int64_t n, DeviceTable t, const float* importance, uint64_t* keys) {
  const OrderKeys k{t.order_index_bits};
  REVIVE_CUDA_KERNEL_LOOP(f, n) {
    const int32_t q = static_cast<int32_t>(f) - t.first_filter[t.filter_layer[f]];
    keys[f] = k.descending(magnitude_key(importance[f]), static_cast<uint32_t>(q));
  }
}

// Position f of the segmented-sorted array is position f - first of its layer.
static __global__ void place_sorted_kernel(int64_t n, DeviceTable t, StepParams p, DeviceScratch s) {
  const OrderKeys k{t.order_index_bits};
  REVIVE_CUDA_KERNEL_LOOP(f, n) {
    const int32_t l = t.filter_layer[f];
    const WeLayerSelection sel = s.selection[l];
    if (sel.n_pairs == 0) {
      s.keys_in[f] = k.pad();
      continue;
    }
    const int32_t first = t.first_filter[l];
    s.keys_in[f] = place_sorted(k, s.keys_out[f], static_cast<int32_t>(f) - first, sel, first, s.pair_offset[l],
                                p.matching, s.dominant, s.inferior);
  }
}

static __global__ void place_reverse_kernel(int64_t n, DeviceTable t, DeviceScratch s) {
  const OrderKeys k{t.order_index_bits};
  REVIVE_CUDA_KERNEL_LOOP(f, n) {
    const int32_t l = t.filter_layer[f];
    const int32_t first = t.first_filter[l], q = static_cast<int32_t>(f) - first;
    if (q < s.selection[l].n_pairs)
      s.inferior[s.pair_offset[l] + q] = first + static_cast<int32_t>(k.index(s.keys_out[f]));
  }
}

namespace {

// keys_in -> keys_out, each layer sorted ascending on the keys' bits. With d_temp == nullptr only
// sizes the scratch.
void segmented_sort(const DeviceTable& t, void* d_temp, size_t& temp_bytes, const uint64_t* keys_in,
                    uint64_t* keys_out, cudaStream_t stream) {
  REVIVE_CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortKeys(d_temp, temp_bytes, keys_in, keys_out, t.n_filters,
                                                            t.n_layers, t.first_filter, t.first_filter + 1, 0,
                                                            OrderKeys{t.order_index_bits}.bits(), stream));
}

}  // namespace

size_t order_segmented_temp_bytes(const DeviceTable& t) {
  size_t bytes = 0;
  if (t.n_filters > 0) segmented_sort(t, nullptr, bytes, nullptr, nullptr, nullptr);
  return bytes;
}

void launch_order_segmented(const DeviceTable& t, const StepParams& p, const DeviceScratch& s, cudaStream_t stream) {
  if (t.n_filters == 0) return;
  size_t bytes = s.sort_temp_bytes;
  kernels::cuda::launch_linear_on(stream, order_keys_kernel, t.n_filters, t, s.importance, s.keys_in);
  segmented_sort(t, s.sort_temp, bytes, s.keys_in, s.keys_out, stream);
  kernels::cuda::launch_linear_on(stream, place_sorted_kernel, t.n_filters, t, p, s);
  if (p.matching == WeMatching::kReverse) {
    segmented_sort(t, s.sort_temp, bytes, s.keys_in, s.keys_out, stream);
    kernels::cuda::launch_linear_on(stream, place_reverse_kernel, t.n_filters, t, s);
  }
}

}  // namespace revive::we_cuda
