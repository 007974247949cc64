// Checkpoints: everything a run needs to continue bit for bit where it stopped.
//
// One checkpoint is three files in the run's checkpoints/ folder, named after the position
// (ckpt-e0003-s000000 = after 3 finished epochs; -s000120 = 120 steps into the next one):
//   <name>.safetensors           the model's state dict (PyTorch names: safetensors.torch.load_file
//                                opens it, and `revive eval` / `revive reactivate` read it)
//   <name>.momentum.safetensors  the SGD momentum arena, one tensor per parameter, same names
//   <name>.json                  the sidecar: position (epoch, step, running sums), optimiser flags,
//                                the seed the counter-based RNG streams derive from, and the
//                                reactivation method's own state
// A run of several networks adds <name>.net<k>.safetensors and <name>.net<k>.momentum.safetensors
// for networks k = 2..N (the first network keeps the names above).
// Each file is written atomically and the sidecar last, so a checkpoint exists exactly when its
// sidecar does: a failure while writing leaves the previous checkpoints as they were.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nn/module.h"
#include "nn/parameter_arena.h"
#include "optim/checkpoint_sidecar.h"
#include "optim/sgd.h"

namespace revive {

// One network of a run, as a checkpoint saves or restores it.
struct CheckpointNetwork {
  nn::Module* model = nullptr;
  nn::ParameterArena* arena = nullptr;
  optim::SgdOptimizer* sgd = nullptr;
};

class CheckpointWriter {
 public:
  // Checkpoints go to `dir` (created when missing); only the newest keep_last are kept (>= 1).
  CheckpointWriter(std::string dir, int keep_last);
  // Returns the sidecar's path. Throws revive::Error (naming the file and the system error) when a
  // write fails; older checkpoints are untouched then.
  // `contents` holds one position per network.
  std::string write(const std::vector<CheckpointNetwork>& networks, const CheckpointContents& contents);

 private:
  void prune() const;
  std::string dir_;
  int keep_last_;
};

// The sidecar of the newest complete checkpoint in `dir`, if any.
std::optional<std::string> find_latest_checkpoint(const std::string& dir);

// Loads a checkpoint (by its sidecar's path) into the networks (models with built arenas and their
// optimisers), checking that everything matches (optim/checkpoint_sidecar.h), the number of
// networks included; returns the rest of its contents.
CheckpointContents load_checkpoint(const std::string& sidecar_path, const std::vector<CheckpointNetwork>& networks);

}  // namespace revive
