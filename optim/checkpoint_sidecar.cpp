#include "optim/checkpoint_sidecar.h"

#include <limits>

#include "core/error.h"
#include "core/json_fields.h"

namespace revive {
namespace {

constexpr const char* kFormat = "revive-checkpoint";
constexpr int kVersion = 1;

// A bare file name: no folder part, so a damaged or hostile sidecar cannot point outside its folder.
std::string file_name(const nlohmann::json& j, const std::string& key, const std::string& origin, bool may_be_empty) {
  const std::string name = json_string(j, key, origin);
  REVIVE_CHECK((may_be_empty && name.empty()) ||
                   (!name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
                    name.find('\0') == std::string::npos),
               origin << ": field '" << key << "' must name a file in the checkpoint's folder, found '" << name << "'");
  return name;
}

}  // namespace

nlohmann::json CheckpointSidecar::to_json() const {
  return {{"format", kFormat},
          {"version", kVersion},
          {"position", contents.position.to_json()},
          {"weights", weights},
          {"momentum", momentum},
          {"momentum_initialised", momentum_initialised},
          {"n_parameters", n_parameters},
          {"rng", {{"seed", contents.seed},
                   {"generator", "philox4x32-10"},
                   {"streams", "init: (seed, parameter index); data order: (seed, epoch); "
                               "augmentation: (seed, epoch, sample position)"}}},
          {"reactivation", contents.reactivation_state}};
}

CheckpointSidecar CheckpointSidecar::parse(const std::string& text, const std::string& origin) {
  const nlohmann::json j = json_parse(text, origin);
  REVIVE_CHECK(j.is_object() && j.contains("format") && j["format"] == kFormat,
               origin << " is not a revive checkpoint sidecar (no \"format\": \"" << kFormat << "\")");
  const int64_t version = json_int(j, "version", origin);
  REVIVE_CHECK(version == kVersion, origin << ": checkpoint version " << version << ", this revive reads " << kVersion);
  CheckpointSidecar s;
  s.contents.position = TrainPosition::from_json(json_field(j, "position", origin), origin);
  s.contents.seed = json_uint(json_field(j, "rng", origin), "seed", origin + ": rng");
  s.contents.reactivation_state = j.value("reactivation", nlohmann::json());
  s.weights = file_name(j, "weights", origin, /*may_be_empty=*/false);
  s.momentum = file_name(j, "momentum", origin, /*may_be_empty=*/true);
  s.momentum_initialised = json_bool(j, "momentum_initialised", origin);
  s.n_parameters = json_int(j, "n_parameters", origin, 0);
  return s;
}

}  // namespace revive
