#include "optim/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/autograd.h"
#include "nn/functional.h"
#include "optim/progress.h"

namespace revive {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Device model_device(const nn::Module& model) {
  const auto params = model.named_parameters();
  REVIVE_CHECK(!params.empty(), model.type_name() << " has no parameters");
  return params.front().second->value().device();
}

// Steps whose results are read back together: every step on the CPU (no device to wait for, and
// a non-finite loss is caught before its backward), `interval` on a GPU.
int64_t metrics_capacity(Device d, int64_t interval) { return d.is_cpu() ? 1 : interval; }

// The batch on the model's device: uploaded through `uploader` on CUDA, as is on the CPU.
Batch on_device(const Batch& b, kernels::BatchUploader* uploader) {
  if (uploader == nullptr) return b;
  std::vector<Tensor> d = uploader->upload({b.images, b.labels});
  return Batch{d[0], d[1]};
}

}  // namespace

EvalResult evaluate(nn::Module& model, DataLoader& loader) {
  NoGradGuard no_grad;
  model.eval();
  const Device device = model_device(model);
  std::unique_ptr<kernels::BatchUploader> uploader;
  if (device.is_cuda()) uploader = kernels::make_batch_uploader(device);
  StepMetrics metrics(device, metrics_capacity(device, 64));
  EvalResult r;
  double loss_sum = 0;
  int64_t correct = 0;
  auto take = [&] {
    for (const StepMetrics::Step& s : metrics.flush()) {
      loss_sum += static_cast<double>(s.loss) * static_cast<double>(s.n);
      correct += s.correct;
      r.n_samples += s.n;
    }
  };
  loader.start_epoch(0);
  Batch host;
  int64_t index = 0;
  while (loader.next(host)) {
    const Batch batch = on_device(host, uploader.get());
    Tensor logits = model.forward(batch.images);
    metrics.add(index++, F::softmax_cross_entropy(logits, batch.labels), logits, batch.labels);
    if (metrics.full()) take();
  }
  take();
  if (r.n_samples > 0) {
    r.loss = loss_sum / static_cast<double>(r.n_samples);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.n_samples);
  }
  return r;
}

Trainer::Trainer(nn::Module& model, nn::ParameterArena& arena, optim::SgdOptimizer& optimizer,
                 const optim::LrSchedule& schedule, DataLoader& train, DataLoader& test, TrainerOptions options)
    : model_(model),
      arena_(arena),
      optimizer_(optimizer),
      schedule_(schedule),
      train_(train),
      test_(test),
      options_(options) {
  REVIVE_CHECK(options_.epochs >= 1, "epochs must be at least 1, got " << options_.epochs);
  REVIVE_CHECK(options_.log_interval >= 1, "log_interval must be at least 1, got " << options_.log_interval);
  if (arena_.device().is_cuda()) uploader_ = kernels::make_batch_uploader(arena_.device());
}

bool Trainer::stop_requested() {
  if (options_.stop_after_steps >= 0 && total_steps_ >= options_.stop_after_steps && stop_) stop_->store(true);
  return stop_ && stop_->load();
}

void Trainer::check_finite_weights(const char* when) const {
  const Tensor p = arena_.params().to(Device::cpu());
  const float* v = p.data<float>();
  const int64_t n = p.numel();
  int64_t bad = -1;
#pragma omp parallel for reduction(max : bad)
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) bad = std::max(bad, i);
  }
  if (bad < 0) return;
  std::string name = "?";
  for (const auto& e : arena_.entries()) {
    if (bad >= e.offset && bad < e.offset + e.numel) name = e.name;
  }
  REVIVE_THROW("non-finite value (" << v[bad] << ") in " << name << " " << when << " of epoch " << pos_.epoch + 1
                                    << ": training stopped; the last checkpoint holds the last good weights");
}

bool Trainer::train_epoch() {
  const auto t0 = std::chrono::steady_clock::now();
  const double seconds_before = pos_.train_seconds;
  model_.train();
  train_.start_epoch(pos_.epoch, pos_.step);
  const int64_t iters = train_.batches_per_epoch();
  char label[48];
  std::snprintf(label, sizeof label, "epoch %d/%d", pos_.epoch + 1, options_.epochs);
  Progress progress(label, iters, options_.progress);
  StepMetrics metrics(arena_.device(), metrics_capacity(arena_.device(), options_.log_interval));
  auto report = [&] {
    if (metrics.empty()) return;
    take_metrics(metrics);
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f acc %.2f%%", pos_.loss_sum / static_cast<double>(pos_.seen),
                  100.0 * static_cast<double>(pos_.correct) / static_cast<double>(pos_.seen));
    progress.update(pos_.step, status);
  };
  Batch host;
  while (true) {
    if (stop_requested()) {
      stopped_ = true;
      break;
    }
    if (!train_.next(host)) break;
    const Batch batch = on_device(host, uploader_.get());
    const double lr = schedule_.lr_at(pos_.epoch, static_cast<int>(pos_.step), static_cast<int>(iters));
    arena_.zero_grad();
    Tensor logits = model_.forward(batch.images);
    Tensor loss = F::softmax_cross_entropy(logits, batch.labels);
    metrics.add(pos_.step, loss, logits, batch.labels);
    // On the CPU this reads the loss now, so a non-finite one stops training before its backward.
    if (metrics.full()) report();
    loss.backward();
    Tensor params = arena_.params();  // a handle: the step updates the arena in place
    optimizer_.step(params, arena_.grads(), static_cast<float>(lr));
    ++pos_.step;
    ++total_steps_;
  }
  report();
  progress.finish();
  pos_.train_seconds = seconds_before + seconds_since(t0);
  check_finite_weights("after the training steps");
  return !stopped_;
}

void Trainer::take_metrics(StepMetrics& metrics) {
  for (const StepMetrics::Step& s : metrics.flush()) {
    REVIVE_CHECK(std::isfinite(s.loss), "non-finite training loss ("
                                            << s.loss << ") at epoch " << pos_.epoch + 1 << ", step " << s.index + 1
                                            << ": training stopped; lower the learning rate");
    pos_.loss_sum += static_cast<double>(s.loss) * static_cast<double>(s.n);
    pos_.correct += s.correct;
    pos_.seen += s.n;
  }
}

nlohmann::json Trainer::finish_epoch() {
  const auto t0 = std::chrono::steady_clock::now();
  const int iters = static_cast<int>(train_.batches_per_epoch());
  const EvalResult test = evaluate(model_, test_);
  nlohmann::json m;
  m["epoch"] = pos_.epoch + 1;
  m["lr"] = schedule_.lr_at(pos_.epoch, 0, iters);
  m["train_loss"] = pos_.seen ? pos_.loss_sum / static_cast<double>(pos_.seen) : 0.0;
  m["train_acc"] = pos_.seen ? static_cast<double>(pos_.correct) / static_cast<double>(pos_.seen) : 0.0;
  m["test_loss"] = test.loss;
  m["test_acc"] = test.accuracy;
  m["train_seconds"] = pos_.train_seconds;
  m["images_per_second"] = pos_.train_seconds > 0 ? static_cast<double>(pos_.seen) / pos_.train_seconds : 0.0;
  if (hook_) {
    const auto th = std::chrono::steady_clock::now();
    hook_(pos_.epoch, m);
    m["reactivation_ms"] = seconds_since(th) * 1e3;
    check_finite_weights("after the reactivation");
  }
  m["epoch_seconds"] = pos_.train_seconds + seconds_since(t0);
  if (log_) log_->write(m);
  return m;
}

std::vector<nlohmann::json> Trainer::fit(const TrainPosition& start) {
  pos_ = start;
  std::vector<nlohmann::json> lines;
  while (pos_.epoch < options_.epochs) {
    if (!train_epoch()) {
      if (log_) {
        nlohmann::json m{{"epoch", pos_.epoch + 1}, {"interrupted", true}, {"step", pos_.step}};
        log_->write(m);
      }
      if (position_cb_) position_cb_(pos_);
      break;
    }
    lines.push_back(finish_epoch());
    const nlohmann::json& m = lines.back();
    pos_ = TrainPosition{pos_.epoch + 1, 0, 0.0, 0, 0, 0.0};
    if (position_cb_) position_cb_(pos_);
    if (!options_.log_epochs) continue;
    std::fprintf(stderr,
                 "epoch %d/%d  lr %.5f  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  %.1fs (%.0f img/s)\n",
                 m["epoch"].get<int>(), options_.epochs, m["lr"].get<double>(), m["train_loss"].get<double>(),
                 100 * m["train_acc"].get<double>(), m["test_loss"].get<double>(), 100 * m["test_acc"].get<double>(),
                 m["epoch_seconds"].get<double>(), m["images_per_second"].get<double>());
  }
  return lines;
}

}  // namespace revive
