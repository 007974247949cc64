// Checkpoint sidecars (optim/checkpoint_sidecar.h), which hold the TrainPosition. An accepted
// sidecar must survive writing and reading back unchanged.
#include "fuzz/fuzz_util.h"
#include "optim/checkpoint_sidecar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  revive::fuzz::accept_or_reject([&] {
    using revive::CheckpointSidecar;
    const CheckpointSidecar s = CheckpointSidecar::parse(revive::fuzz::bytes_of(data, size), "fuzz.json");
    const nlohmann::json written = s.to_json();
    revive::fuzz::require(CheckpointSidecar::parse(written.dump(2), "written.json").to_json() == written,
                          "a written sidecar reads back the same");
  });
  return 0;
}
