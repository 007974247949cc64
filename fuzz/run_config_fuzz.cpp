// Run configurations (config.json, read by `revive train --resume`; run/run_config.h): the run's
// option table reads any bytes into a checked configuration or a clear error, and an accepted one
// survives writing and reading back unchanged. Weight Evolution's option strings (--we-preset,
// --we-ablation, --we-set, stored in the same file) go through their parser too.
#include "core/json_fields.h"
#include "fuzz/fuzz_util.h"
#include "reactivation/we/we_options.h"
#include "run/run_config.h"

namespace {

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const auto& v : j[key]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  revive::fuzz::accept_or_reject([&] {
    using namespace revive;
    const nlohmann::json j = json_parse(fuzz::bytes_of(data, size), "config.json");
    RunConfig c;
    run_options().read_json(c, j, "config.json", /*require_all=*/true);
    const nlohmann::json written = run_options().to_json(c);
    RunConfig back;
    run_options().read_json(back, written, "written.json", /*require_all=*/true);
    fuzz::require(run_options().to_json(back) == written, "a written configuration reads back the same");
    if (j.contains("we_preset") && j["we_preset"].is_string()) {
      parse_we_options(j["we_preset"].get<std::string>(), strings(j, "we_ablations"), strings(j, "we_set"));
    }
  });
  return 0;
}
