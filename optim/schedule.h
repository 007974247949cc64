// Learning-rate schedules: the values PyTorch's schedulers give when stepped once per epoch (or,
// for cosine, once per iteration), with an optional linear warm-up. e = epoch (0-based), i =
// iteration inside the epoch, I = iterations per epoch, lr0 = options.lr.
//
//   constant   lr0
//   step       lr0 * gamma^floor(e / step_size)                        (StepLR)
//   multistep  lr0 * gamma^(number of milestones <= e)                 (MultiStepLR)
//   cosine     eta_min + (lr0 - eta_min) (1 + cos(pi t)) / 2            (CosineAnnealingLR, T_max = T)
//              t = e / T per epoch, t = (e I + i) / (T I) per iteration; T = options.epochs.
//              Past the end (t > 1) the lr stays at eta_min, where PyTorch's formula would climb again.
//   warm-up    during the first W epochs the value above is multiplied by f + (1 - f) (e I + i) / (W I),
//              f = warmup_start_factor: per iteration, from lr0 * f up to the schedule's own value.
//              The schedule's clock is not shifted by the warm-up (Goyal et al. 2017).
//
// A schedule is a pure function of (epoch, iteration): it has no state to checkpoint beyond its
// name and options.
#pragma once

#include <string>
#include <vector>

namespace revive::optim {

enum class ScheduleKind { kConstant, kStep, kMultiStep, kCosine };

// "constant", "step", "multistep", "cosine".
std::string schedule_name(ScheduleKind kind);

struct ScheduleOptions {
  double lr = 0.1;              // lr0, >= 0
  int epochs = 0;               // length of training in epochs (cosine: T), >= 1
  int step_size = 0;            // step only: decay every step_size epochs, >= 1
  std::vector<int> milestones;  // multistep only: strictly increasing epochs >= 1 where the lr decays
  double gamma = 0.1;           // step, multistep: decay factor in (0, 1)
  double eta_min = 0.0;         // cosine only: final lr in [0, lr0]
  bool per_iteration = false;   // cosine only: anneal every iteration instead of every epoch
  int warmup_epochs = 0;        // 0 = no warm-up; else < epochs
  double warmup_start_factor = 0.1;  // in (0, 1]
};

class LrSchedule {
 public:
  // Throws revive::Error naming the bad option, including options the kind does not use.
  LrSchedule(ScheduleKind kind, const ScheduleOptions& options);

  // The lr for iteration `iter` (0 <= iter < iters_per_epoch) of epoch `epoch` (>= 0).
  double lr_at(int epoch, int iter, int iters_per_epoch) const;
  // Epoch 0 and each epoch < options.epochs at which a step or multistep schedule decays: the
  // stage starts the reactivation rate needs (docs/weight-evolution.md §1.3). Constant and cosine: {0}.
  std::vector<int> stage_boundaries() const;
  // One line for logs, e.g. "cosine lr 0.1 -> 0 over 5 epochs (per epoch)".
  std::string describe() const;

  ScheduleKind kind() const { return kind_; }
  const ScheduleOptions& options() const { return options_; }

 private:
  double scheduled_lr(int epoch, int iter, int iters_per_epoch) const;  // without warm-up
  double decayed(int n_decays) const;

  ScheduleKind kind_;
  ScheduleOptions options_;
};

// Builds a schedule from its name (see schedule_name); unknown names and bad options throw.
LrSchedule make_schedule(const std::string& name, const ScheduleOptions& options);

}  // namespace revive::optim
