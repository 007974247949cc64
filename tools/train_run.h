// Training one run folder, fresh or resumed: what `revive train` does once it knows the run's
// configuration and folder, and what `revive study` does for each of its runs, in-process.
//
// The folder (tools/train_command.cpp lists its files) is self-contained: config.json says how the
// run was made, metrics.jsonl what each epoch gave (with the dead-filter census of every epoch,
// reactivation/filter_census.h), checkpoints/ where to resume, summary.json that it completed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "run/network_group.h"
#include "run/run_config.h"
#include "tools/run_folder.h"

namespace revive::cli {

struct TrainRunOptions {
  // Continue from the newest checkpoint of the folder (its config.json must hold `config`);
  // otherwise start afresh, replacing config.json and metrics.jsonl.
  bool resume = false;
  bool progress = true;          // progress bar / lines within each epoch
  int64_t stop_after_steps = -1;  // testing: act as if interrupted after N steps
  // Raised by a signal: the run stops after the current step with a checkpoint. Required.
  std::atomic<bool>* stop = nullptr;
  // Called after each finished epoch, once its line and any checkpoint are written, with its metrics
  // line as the hooks left it (epoch_seconds is added later): a study's progress and ETA.
  std::function<void(const nlohmann::json& line)> on_epoch;
  // One network per process (FG over MPI, run/network_group.h): this process trains network
  // group->rank() and only rank 0 writes the folder; null: every network in this process.
  NetworkGroup* group = nullptr;
  // Prefix of this run's own stderr lines ("revive: " for `revive train`).
  std::string log_prefix = "revive: ";
};

struct TrainRunResult {
  bool interrupted = false;  // stopped on the stop flag; the folder has a checkpoint to resume from
  int epoch = 0;             // where it stopped: the 0-based epoch and the step within it
  int64_t step = 0;
  RunSummary summary;        // when completed
  double seconds = 0;        // this session's training time
  int64_t steps = 0;         // training steps taken in this session
};

// Trains the run in `out` (created if needed) and, when it completes, writes model.safetensors and
// summary.json. Throws revive::Error on bad input, a missing checkpoint when resuming, or a
// non-finite loss.
TrainRunResult train_run_folder(const RunConfig& config, const std::string& out, const TrainRunOptions& options);

}  // namespace revive::cli
