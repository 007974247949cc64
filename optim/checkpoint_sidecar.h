// The JSON sidecar of a checkpoint (optim/checkpoint.h): written last, so a checkpoint exists
// exactly when its sidecar does, and read first on resume. Resuming trusts nothing in it: every
// field is checked (core/json_fields.h) and the file names must stay inside the checkpoint folder.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "optim/train_position.h"

namespace revive {

struct CheckpointContents {
  std::vector<TrainPosition> positions;  // one per network of the run
  nlohmann::json reactivation_state;     // the method's state() (null when it keeps none)
  uint64_t seed = 0;
};

// One network's files, named in the sidecar's folder.
struct CheckpointNetworkFiles {
  std::string weights;
  std::string momentum;  // "" when the optimiser keeps no momentum
  bool momentum_initialised = false;
};

// The first network's position and files sit at the top level, where a run of one network has
// always had them; a run of several lists the others under "other_networks".
struct CheckpointSidecar {
  CheckpointContents contents;
  std::vector<CheckpointNetworkFiles> networks;  // parallel to contents.positions
  int64_t n_parameters = 0;                      // of each network (one architecture)

  nlohmann::json to_json() const;
  // Throws revive::Error naming `origin` unless `text` is a complete sidecar of a version this
  // revive reads.
  static CheckpointSidecar parse(const std::string& text, const std::string& origin);
};

}  // namespace revive
