#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace revive::optim {

namespace {
constexpr double kPi = 3.14159265358979323846;

void validate(ScheduleKind kind, const ScheduleOptions& o) {
  const std::string name = schedule_name(kind);
  // Comparisons are written so that NaN fails them.
  REVIVE_CHECK(o.lr >= 0.0 && std::isfinite(o.lr), name << " schedule: lr " << o.lr << " is invalid; expected >= 0");
  REVIVE_CHECK(o.epochs >= 1, name << " schedule: epochs " << o.epochs << " is invalid; expected >= 1");

  const bool decays = kind == ScheduleKind::kStep || kind == ScheduleKind::kMultiStep;
  if (decays) {
    REVIVE_CHECK(o.gamma > 0.0 && o.gamma < 1.0,
                 name << " schedule: gamma " << o.gamma << " is invalid; expected a decay factor in (0, 1)");
  }
  if (kind == ScheduleKind::kStep) {
    REVIVE_CHECK(o.step_size >= 1, "step schedule: step_size " << o.step_size << " is invalid; expected >= 1");
  } else {
    REVIVE_CHECK(o.step_size == 0, name << " schedule does not use step_size (got " << o.step_size << ")");
  }
  if (kind == ScheduleKind::kMultiStep) {
    REVIVE_CHECK(!o.milestones.empty(), "multistep schedule: expected at least one milestone");
    for (size_t i = 0; i < o.milestones.size(); ++i) {
      REVIVE_CHECK(o.milestones[i] >= 1 && (i == 0 || o.milestones[i] > o.milestones[i - 1]),
                   "multistep schedule: milestone " << o.milestones[i] << " (position " << i
                                                    << ") is invalid; expected strictly increasing epochs >= 1");
    }
  } else {
    REVIVE_CHECK(o.milestones.empty(), name << " schedule does not use milestones");
  }
  if (kind == ScheduleKind::kCosine) {
    REVIVE_CHECK(o.eta_min >= 0.0 && o.eta_min <= o.lr,
                 "cosine schedule: eta_min " << o.eta_min << " is invalid; expected in [0, lr] = [0, " << o.lr << "]");
  } else {
    REVIVE_CHECK(o.eta_min == 0.0, name << " schedule does not use eta_min (got " << o.eta_min << ")");
    REVIVE_CHECK(!o.per_iteration, name << " schedule has no per-iteration form; only cosine does");
  }
  REVIVE_CHECK(o.warmup_epochs >= 0 && o.warmup_epochs < o.epochs,
               name << " schedule: warmup_epochs " << o.warmup_epochs << " is invalid; expected in [0, epochs) = [0, "
                    << o.epochs << ")");
  if (o.warmup_epochs > 0) {
    REVIVE_CHECK(o.warmup_start_factor > 0.0 && o.warmup_start_factor <= 1.0,
                 name << " schedule: warmup_start_factor " << o.warmup_start_factor
                      << " is invalid; expected in (0, 1]");
  }
}
}  // namespace

std::string schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kConstant: return "constant";
    case ScheduleKind::kStep: return "step";
    case ScheduleKind::kMultiStep: return "multistep";
    case ScheduleKind::kCosine: return "cosine";
  }
  REVIVE_THROW("unknown ScheduleKind " << static_cast<int>(kind));
}

LrSchedule::LrSchedule(ScheduleKind kind, const ScheduleOptions& options) : kind_(kind), options_(options) {
  validate(kind_, options_);
}

double LrSchedule::decayed(int n_decays) const {
  // Repeated multiplication, as PyTorch's chainable StepLR/MultiStepLR apply gamma, rather than pow().
  double lr = options_.lr;
  for (int k = 0; k < n_decays; ++k) lr *= options_.gamma;
  return lr;
}

double LrSchedule::scheduled_lr(int epoch, int iter, int iters_per_epoch) const {
  const ScheduleOptions& o = options_;
  switch (kind_) {
    case ScheduleKind::kConstant: return o.lr;
    case ScheduleKind::kStep: return decayed(epoch / o.step_size);
    case ScheduleKind::kMultiStep:
      return decayed(static_cast<int>(std::upper_bound(o.milestones.begin(), o.milestones.end(), epoch) -
                                      o.milestones.begin()));
    case ScheduleKind::kCosine: {
      const double done = o.per_iteration ? static_cast<double>(epoch) * iters_per_epoch + iter : epoch;
      const double total = o.per_iteration ? static_cast<double>(o.epochs) * iters_per_epoch : o.epochs;
      if (done >= total) return o.eta_min;
      return o.eta_min + (o.lr - o.eta_min) * (1.0 + std::cos(kPi * done / total)) / 2.0;
    }
  }
  REVIVE_THROW("unknown ScheduleKind " << static_cast<int>(kind_));
}

double LrSchedule::lr_at(int epoch, int iter, int iters_per_epoch) const {
  REVIVE_CHECK(epoch >= 0, "lr_at: epoch " << epoch << " is invalid; expected >= 0");
  REVIVE_CHECK(iters_per_epoch >= 1, "lr_at: iters_per_epoch " << iters_per_epoch << " is invalid; expected >= 1");
  REVIVE_CHECK(iter >= 0 && iter < iters_per_epoch,
               "lr_at: iteration " << iter << " is invalid; expected in [0, " << iters_per_epoch << ")");
  const double lr = scheduled_lr(epoch, iter, iters_per_epoch);
  if (epoch >= options_.warmup_epochs) return lr;
  const double f = options_.warmup_start_factor;
  const double progress = (static_cast<double>(epoch) * iters_per_epoch + iter) /
                          (static_cast<double>(options_.warmup_epochs) * iters_per_epoch);
  return lr * (f + (1.0 - f) * progress);
}

std::vector<int> LrSchedule::stage_boundaries() const {
  std::vector<int> starts{0};
  if (kind_ == ScheduleKind::kStep) {
    for (int e = options_.step_size; e < options_.epochs; e += options_.step_size) starts.push_back(e);
  } else if (kind_ == ScheduleKind::kMultiStep) {
    for (int m : options_.milestones) {
      if (m < options_.epochs) starts.push_back(m);
    }
  }
  return starts;
}

std::string LrSchedule::describe() const {
  const ScheduleOptions& o = options_;
  std::ostringstream os;
  os << schedule_name(kind_) << " lr " << o.lr;
  switch (kind_) {
    case ScheduleKind::kConstant: break;
    case ScheduleKind::kStep: os << ", x" << o.gamma << " every " << o.step_size << " epochs"; break;
    case ScheduleKind::kMultiStep:
      os << ", x" << o.gamma << " at epochs";
      for (size_t i = 0; i < o.milestones.size(); ++i) os << (i ? "," : " ") << o.milestones[i];
      break;
    case ScheduleKind::kCosine: os << " -> " << o.eta_min; break;
  }
  os << " over " << o.epochs << " epochs";
  if (kind_ == ScheduleKind::kCosine) os << (o.per_iteration ? " (per iteration)" : " (per epoch)");
  if (o.warmup_epochs > 0) {
    os << ", linear warm-up over " << o.warmup_epochs << " epochs from " << o.lr * o.warmup_start_factor;
  }
  return os.str();
}

LrSchedule make_schedule(const std::string& name, const ScheduleOptions& options) {
  for (ScheduleKind kind : {ScheduleKind::kConstant, ScheduleKind::kStep, ScheduleKind::kMultiStep, ScheduleKind::kCosine}) {
    if (name == schedule_name(kind)) return LrSchedule(kind, options);
  }
  REVIVE_THROW("unknown LR schedule '" << name << "': expected constant, step, multistep or cosine");
}

}  // namespace revive::optim
