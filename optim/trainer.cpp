#include "optim/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/autograd.h"
#include "kernels/count_correct.h"
#include "nn/functional.h"
#include "optim/progress.h"

namespace revive {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Trainer::Trainer(nn::Module& model, nn::ParameterArena& arena, optim::SgdOptimizer& optimizer,
                 const optim::LrSchedule& schedule,
                 DataLoader& train, DataLoader& test, TrainerOptions options)
    : model_(model),
      arena_(arena),
      optimizer_(optimizer),
      schedule_(schedule),
      train_(train),
      test_(test),
      options_(options) {
  REVIVE_CHECK(options_.epochs >= 1, "epochs must be at least 1, got " << options_.epochs);
}

EvalResult evaluate(nn::Module& model, DataLoader& loader) {
  NoGradGuard no_grad;
  model.eval();
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  loader.start_epoch(0);
  Batch batch;
  while (loader.next(batch)) {
    Tensor logits = model.forward(batch.images);
    const int64_t n = batch.labels.numel();
    loss_sum += static_cast<double>(F::softmax_cross_entropy(logits, batch.labels).item()) * static_cast<double>(n);
    correct += kernels::count_correct(logits, batch.labels);
    r.n_samples += n;
  }
  if (r.n_samples > 0) {
    r.loss = loss_sum / static_cast<double>(r.n_samples);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.n_samples);
  }
  return r;
}

nlohmann::json Trainer::run_epoch(int epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  model_.train();
  train_.start_epoch(epoch);
  const int64_t iters = train_.batches_per_epoch();
  char label[48];
  std::snprintf(label, sizeof label, "epoch %d/%d", epoch + 1, options_.epochs);
  Progress progress(label, iters, options_.progress);

  double loss_sum = 0;
  int64_t correct = 0, seen = 0, it = 0;
  const double first_lr = schedule_.lr_at(epoch, 0, static_cast<int>(iters));
  Batch batch;
  while (train_.next(batch)) {
    if (stop_ && stop_->load()) {
      stopped_ = true;
      break;
    }
    const double lr = schedule_.lr_at(epoch, static_cast<int>(it), static_cast<int>(iters));
    arena_.zero_grad();
    Tensor logits = model_.forward(batch.images);
    Tensor loss = F::softmax_cross_entropy(logits, batch.labels);
    const float l = loss.item();
    REVIVE_CHECK(std::isfinite(l), "non-finite training loss (" << l << ") at epoch " << epoch + 1 << ", step "
                                                                 << it + 1 << ": lower the learning rate");
    loss.backward();
    Tensor params = arena_.params();  // a handle: the step updates the arena in place
    optimizer_.step(params, arena_.grads(), static_cast<float>(lr));
    const int64_t n = batch.labels.numel();
    loss_sum += static_cast<double>(l) * static_cast<double>(n);
    correct += kernels::count_correct(logits, batch.labels);
    seen += n;
    ++it;
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f acc %.2f%%", loss_sum / static_cast<double>(seen),
                  100.0 * static_cast<double>(correct) / static_cast<double>(seen));
    progress.update(it, status);
  }
  progress.finish();
  const double train_seconds = seconds_since(t0);

  const EvalResult test = evaluate(model_, test_);
  nlohmann::json m;
  m["epoch"] = epoch + 1;
  m["lr"] = first_lr;
  m["train_loss"] = seen ? loss_sum / static_cast<double>(seen) : 0.0;
  m["train_acc"] = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
  m["test_loss"] = test.loss;
  m["test_acc"] = test.accuracy;
  m["train_seconds"] = train_seconds;
  m["images_per_second"] = train_seconds > 0 ? static_cast<double>(seen) / train_seconds : 0.0;
  if (stopped_) m["interrupted"] = true;
  if (hook_ && !stopped_) {
    const auto th = std::chrono::steady_clock::now();
    hook_(epoch, m);
    m["reactivation_ms"] = seconds_since(th) * 1e3;
  }
  m["epoch_seconds"] = seconds_since(t0);
  if (log_) log_->write(m);
  return m;
}

std::vector<nlohmann::json> Trainer::fit(int first_epoch) {
  std::vector<nlohmann::json> lines;
  for (int e = first_epoch; e < options_.epochs && !stopped_; ++e) {
    lines.push_back(run_epoch(e));
    const nlohmann::json& m = lines.back();
    if (!options_.log_epochs) continue;
    std::fprintf(stderr, "epoch %d/%d  lr %.5f  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  %.1fs (%.0f img/s)\n",
                 e + 1, options_.epochs, m["lr"].get<double>(), m["train_loss"].get<double>(),
                 100 * m["train_acc"].get<double>(), m["test_loss"].get<double>(), 100 * m["test_acc"].get<double>(),
                 m["epoch_seconds"].get<double>(), m["images_per_second"].get<double>());
  }
  return lines;
}

}  // namespace revive
