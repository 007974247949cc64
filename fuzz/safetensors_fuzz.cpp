// safetensors files (core/safetensors.h): the whole input is the file.
#include "core/safetensors.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  revive::fuzz::accept_or_reject([&] {
    const revive::SafetensorsFile f = revive::parse_safetensors(revive::fuzz::bytes_of(data, size), "fuzz.safetensors");
    size_t total = 0;
    for (const auto& [name, t] : f.tensors) {
      total += t.nbytes();
      t.strides();  // what every consumer of the shape computes: it must not overflow
    }
    revive::fuzz::require(total <= size, "tensors fit in the file");
  });
  return 0;
}
