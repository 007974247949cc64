// Run configurations (config.json, read by `revive train --resume`; tools/train_args.h). An accepted
// configuration must survive writing and reading back unchanged.
#include "core/json_fields.h"
#include "fuzz/fuzz_util.h"
#include "tools/train_args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  revive::fuzz::accept_or_reject([&] {
    using namespace revive::cli;
    const nlohmann::json j = revive::json_parse(revive::fuzz::bytes_of(data, size), "config.json");
    const nlohmann::json written = train_args_to_json(train_args_from_json(j, "config.json"));
    revive::fuzz::require(train_args_to_json(train_args_from_json(written, "written.json")) == written,
                          "a written configuration reads back the same");
  });
  return 0;
}
