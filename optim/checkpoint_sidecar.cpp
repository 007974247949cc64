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

void network_to_json(nlohmann::json& j, const TrainPosition& p, const CheckpointNetworkFiles& f) {
  j["position"] = p.to_json();
  j["weights"] = f.weights;
  j["momentum"] = f.momentum;
  j["momentum_initialised"] = f.momentum_initialised;
}

void network_from_json(const nlohmann::json& j, const std::string& origin, CheckpointSidecar& s) {
  s.contents.positions.push_back(TrainPosition::from_json(json_field(j, "position", origin), origin));
  CheckpointNetworkFiles f;
  f.weights = file_name(j, "weights", origin, /*may_be_empty=*/false);
  f.momentum = file_name(j, "momentum", origin, /*may_be_empty=*/true);
  f.momentum_initialised = json_bool(j, "momentum_initialised", origin);
  s.networks.push_back(std::move(f));
}

}  // namespace

nlohmann::json CheckpointSidecar::to_json() const {
  REVIVE_CHECK(!networks.empty() && networks.size() == contents.positions.size(),
               "a checkpoint sidecar needs one position and one set of files per network");
  nlohmann::json j{{"format", kFormat},
          {"version", kVersion},
          {"n_parameters", n_parameters},
          {"rng", {{"seed", contents.seed},
                   {"generator", "philox4x32-10"},
                   {"streams", "init: (seed, parameter index); data order: (seed, epoch); "
                               "augmentation: (seed, epoch, sample position)"}}},
          {"reactivation", contents.reactivation_state}};
  network_to_json(j, contents.positions.front(), networks.front());
  if (networks.size() > 1) {
    nlohmann::json others = nlohmann::json::array();
    for (size_t k = 1; k < networks.size(); ++k) {
      nlohmann::json n = nlohmann::json::object();
      network_to_json(n, contents.positions[k], networks[k]);
      others.push_back(std::move(n));
    }
    j["other_networks"] = std::move(others);
  }
  return j;
}

CheckpointSidecar CheckpointSidecar::parse(const std::string& text, const std::string& origin) {
  const nlohmann::json j = json_parse(text, origin);
  REVIVE_CHECK(j.is_object() && j.contains("format") && j["format"] == kFormat,
               origin << " is not a revive checkpoint sidecar (no \"format\": \"" << kFormat << "\")");
  const int64_t version = json_int(j, "version", origin);
  REVIVE_CHECK(version == kVersion, origin << ": checkpoint version " << version << ", this revive reads " << kVersion);
  CheckpointSidecar s;
  network_from_json(j, origin, s);
  if (j.contains("other_networks")) {
    const nlohmann::json& others = j["other_networks"];
    REVIVE_CHECK(others.is_array() && !others.empty() && others.size() < 4096,
                 origin << ": 'other_networks' must be a non-empty list of networks");
    for (size_t k = 0; k < others.size(); ++k) {
      const std::string where = origin + ": network " + std::to_string(k + 2);
      REVIVE_CHECK(others[k].is_object(), where << " must be a JSON object");
      network_from_json(others[k], where, s);
      REVIVE_CHECK(s.contents.positions.back().epoch == s.contents.positions.front().epoch,
                   where << " is at epoch " << s.contents.positions.back().epoch << ", the first network at "
                         << s.contents.positions.front().epoch << ": the networks of a run share their epoch");
    }
  }
  s.contents.seed = json_uint(json_field(j, "rng", origin), "seed", origin + ": rng");
  s.contents.reactivation_state = j.value("reactivation", nlohmann::json());
  s.n_parameters = json_int(j, "n_parameters", origin, 0);
  return s;
}

}  // namespace revive
