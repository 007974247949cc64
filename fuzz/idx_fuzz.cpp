// IDX files (data/idx.h), plain or gzip. The first byte picks the expected number of dimensions
// (1 to 4), the rest is the file.
#include "data/idx.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int ndim = data[0] % 4 + 1;
  const std::string bytes = revive::fuzz::bytes_of(data + 1, size - 1);
  revive::fuzz::accept_or_reject([&] {
    const revive::IdxArray a = revive::parse_idx(bytes, "fuzz.idx", ndim);
    // Consumers multiply the sizes (strides, H*W): even with a zero among them, the product of the
    // others must stay within the limit.
    uint64_t n = 1, extent = 1;
    for (int64_t d : a.dims) {
      n *= static_cast<uint64_t>(d);
      extent *= d > 0 ? static_cast<uint64_t>(d) : 1;
      revive::fuzz::require(extent <= revive::kIdxMaxBytes, "the non-zero sizes stay within the limit");
    }
    revive::fuzz::require(a.dims.size() == static_cast<size_t>(ndim), "ndim dimensions");
    revive::fuzz::require(a.data.size() == n, "payload size is the product of the dimensions");
  });
  return 0;
}
