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

Trainer::Trainer(std::vector<TrainNetwork> networks, DataLoader& test, TrainerOptions options)
    : nets_(std::move(networks)), test_(test), options_(options) {
  REVIVE_CHECK(!nets_.empty(), "a Trainer needs at least one network");
  for (const TrainNetwork& n : nets_) {
    REVIVE_CHECK(n.model && n.arena && n.optimizer && n.schedule && n.train, "a Trainer network lacks a part");
    REVIVE_CHECK(n.arena->device() == nets_.front().arena->device(), "a Trainer's networks must share one device");
  }
  REVIVE_CHECK(options_.epochs >= 1, "epochs must be at least 1, got " << options_.epochs);
  REVIVE_CHECK(options_.log_interval >= 1, "log_interval must be at least 1, got " << options_.log_interval);
  const Device device = nets_.front().arena->device();
  if (device.is_cuda()) uploader_ = kernels::make_batch_uploader(device);
  if (optim::graph_wanted(options_.cuda_graph, device)) {
    for (const TrainNetwork& n : nets_) {
      graph_steps_.push_back(
          std::make_unique<optim::GraphTrainStep>(*n.model, *n.arena, *n.optimizer, n.train->batch_size()));
    }
  }
  replayed_.assign(nets_.size(), false);
  pos_.assign(nets_.size(), TrainPosition{});
}

Trainer::Trainer(nn::Module& model, nn::ParameterArena& arena, optim::SgdOptimizer& optimizer,
                 const optim::LrSchedule& schedule, DataLoader& train, DataLoader& test, TrainerOptions options)
    : Trainer({TrainNetwork{&model, &arena, &optimizer, &schedule, &train}}, test, options) {}

bool Trainer::stop_requested() {
  if (options_.stop_after_steps >= 0 && total_steps_ >= options_.stop_after_steps && stop_) stop_->store(true);
  return stop_ && stop_->load();
}

void Trainer::check_finite_weights(size_t k, const char* when) const {
  const nn::ParameterArena& arena = *nets_[k].arena;
  const Tensor p = arena.params().to(Device::cpu());
  const float* v = p.data<float>();
  const int64_t n = p.numel();
  int64_t bad = -1;
#pragma omp parallel for reduction(max : bad)
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) bad = std::max(bad, i);
  }
  if (bad < 0) return;
  std::string name = "?";
  for (const auto& e : arena.entries()) {
    if (bad >= e.offset && bad < e.offset + e.numel) name = e.name;
  }
  const std::string network = nets_.size() > 1 ? " of network " + std::to_string(k + 1) : "";
  REVIVE_THROW("non-finite value (" << v[bad] << ") in " << name << network << " " << when << " of epoch "
                                    << pos_[k].epoch + 1
                                    << ": training stopped; the last checkpoint holds the last good weights");
}

bool Trainer::train_epoch(size_t k) {
  const TrainNetwork& net = nets_[k];
  TrainPosition& pos = pos_[k];
  const auto t0 = std::chrono::steady_clock::now();
  const double seconds_before = pos.train_seconds;
  net.model->train();
  net.train->start_epoch(pos.epoch, pos.step);
  const int64_t iters = net.train->batches_per_epoch();
  char label[64];
  if (nets_.size() > 1) {
    std::snprintf(label, sizeof label, "epoch %d/%d net %zu/%zu", pos.epoch + 1, options_.epochs, k + 1, nets_.size());
  } else {
    std::snprintf(label, sizeof label, "epoch %d/%d", pos.epoch + 1, options_.epochs);
  }
  Progress progress(label, iters, options_.progress);
  const Device device = net.arena->device();
  StepMetrics metrics(device, metrics_capacity(device, options_.log_interval));
  auto report = [&] {
    if (metrics.empty()) return;
    take_metrics(k, metrics);
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f acc %.2f%%", pos.loss_sum / static_cast<double>(pos.seen),
                  100.0 * static_cast<double>(pos.correct) / static_cast<double>(pos.seen));
    progress.update(pos.step, status);
  };
  Batch host;
  while (true) {
    if (stop_requested()) {
      stopped_ = true;
      break;
    }
    if (!net.train->next(host)) break;
    const Batch batch = on_device(host, uploader_.get());
    const double lr = net.schedule->lr_at(pos.epoch, static_cast<int>(pos.step), static_cast<int>(iters));
    if (!graph_steps_.empty()) {
      graph_step(k, batch, lr, metrics);
      if (metrics.full()) report();
    } else {
      net.arena->zero_grad();
      Tensor logits = net.model->forward(batch.images);
      Tensor loss = F::softmax_cross_entropy(logits, batch.labels);
      metrics.add(pos.step, loss, logits, batch.labels);
      // On the CPU this reads the loss now, so a non-finite one stops training before its backward.
      if (metrics.full()) report();
      loss.backward();
      Tensor params = net.arena->params();  // a handle: the step updates the arena in place
      net.optimizer->step(params, net.arena->grads(), static_cast<float>(lr));
    }
    ++pos.step;
    ++total_steps_;
  }
  report();
  progress.finish();
  pos.train_seconds = seconds_before + seconds_since(t0);
  check_finite_weights(k, "after the training steps");
  return !stopped_;
}

void Trainer::graph_step(size_t k, const Batch& batch, double lr, StepMetrics& metrics) {
  optim::GraphTrainStep& g = *graph_steps_[k];
  const bool failed_before = !g.graph().capture_error().empty();
  if (g.run(batch, static_cast<float>(lr)) != optim::StepRoute::kEager) replayed_[k] = true;
  metrics.add_counted(pos_[k].step, g.loss(), g.correct(), batch.labels.numel());
  if (!failed_before && !g.graph().capture_error().empty() && (options_.progress || options_.log_epochs)) {
    const std::string network = nets_.size() > 1 ? " of network " + std::to_string(k + 1) : "";
    std::fprintf(stderr, "CUDA Graph capture of the training step%s failed, so its steps run eagerly: %s\n",
                 network.c_str(), g.graph().capture_error().c_str());
  }
}

void Trainer::add_route(size_t k, nlohmann::json& line) {
  line["step_route"] = replayed_[k] ? "graph" : "eager";
  if (!graph_steps_.empty() && !graph_steps_[k]->graph().capture_error().empty()) {
    line["capture_error"] = graph_steps_[k]->graph().capture_error();
  }
  replayed_[k] = false;
}

void Trainer::take_metrics(size_t k, StepMetrics& metrics) {
  TrainPosition& pos = pos_[k];
  const std::string network = nets_.size() > 1 ? " of network " + std::to_string(k + 1) : "";
  for (const StepMetrics::Step& s : metrics.flush()) {
    REVIVE_CHECK(std::isfinite(s.loss), "non-finite training loss (" << s.loss << ")" << network << " at epoch "
                                                                     << pos.epoch + 1 << ", step " << s.index + 1
                                                                     << ": training stopped; lower the learning rate");
    pos.loss_sum += static_cast<double>(s.loss) * static_cast<double>(s.n);
    pos.correct += s.correct;
    pos.seen += s.n;
  }
}

namespace {

// One network's figures of the epoch.
nlohmann::json network_line(const TrainPosition& pos, const optim::LrSchedule& schedule, int iters,
                            const EvalResult& test) {
  nlohmann::json m;
  m["lr"] = schedule.lr_at(pos.epoch, 0, iters);
  m["train_loss"] = pos.seen ? pos.loss_sum / static_cast<double>(pos.seen) : 0.0;
  m["train_acc"] = pos.seen ? static_cast<double>(pos.correct) / static_cast<double>(pos.seen) : 0.0;
  m["test_loss"] = test.loss;
  m["test_acc"] = test.accuracy;
  m["train_seconds"] = pos.train_seconds;
  m["images_per_second"] = pos.train_seconds > 0 ? static_cast<double>(pos.seen) / pos.train_seconds : 0.0;
  return m;
}

}  // namespace

nlohmann::json epoch_line(const nlohmann::json& networks, int epoch, double train_seconds, int64_t seen) {
  nlohmann::json m = networks.front();
  m["epoch"] = epoch + 1;
  if (networks.size() > 1) {
    m["networks"] = networks;
    m["train_seconds"] = train_seconds;
    m["images_per_second"] = train_seconds > 0 ? static_cast<double>(seen) / train_seconds : 0.0;
  }
  return m;
}

nlohmann::json Trainer::finish_epoch() {
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json networks = nlohmann::json::array();
  double train_seconds = 0;
  int64_t seen = 0;
  for (size_t k = 0; k < nets_.size(); ++k) {
    const int iters = static_cast<int>(nets_[k].train->batches_per_epoch());
    networks.push_back(network_line(pos_[k], *nets_[k].schedule, iters, evaluate(*nets_[k].model, test_)));
    add_route(k, networks.back());
    train_seconds += pos_[k].train_seconds;
    seen += pos_[k].seen;
  }
  nlohmann::json m = epoch_line(networks, pos_.front().epoch, train_seconds, seen);
  if (hook_) {
    const auto th = std::chrono::steady_clock::now();
    hook_(pos_.front().epoch, m);
    m["reactivation_ms"] = seconds_since(th) * 1e3;
    for (size_t k = 0; k < nets_.size(); ++k) check_finite_weights(k, "after the reactivation");
  }
  if (weights_hook_) weights_hook_(pos_.front().epoch, m);
  m["epoch_seconds"] = train_seconds + seconds_since(t0);
  if (log_) log_->write(m);
  return m;
}

std::vector<nlohmann::json> Trainer::fit(std::vector<TrainPosition> start) {
  if (start.empty()) start.assign(nets_.size(), TrainPosition{});
  REVIVE_CHECK(start.size() == nets_.size(),
               "a position for each of the " << nets_.size() << " networks is needed, got " << start.size());
  for (const TrainPosition& p : start) {
    REVIVE_CHECK(p.epoch == start.front().epoch, "the networks' positions must be in one epoch");
  }
  pos_ = std::move(start);
  std::vector<nlohmann::json> lines;
  while (pos_.front().epoch < options_.epochs) {
    size_t k = 0;
    while (k < nets_.size() && train_epoch(k)) ++k;
    if (k < nets_.size()) {
      if (log_) {
        nlohmann::json m{{"epoch", pos_[k].epoch + 1}, {"interrupted", true}, {"step", pos_[k].step}};
        if (nets_.size() > 1) m["network"] = k + 1;
        log_->write(m);
      }
      if (position_cb_) position_cb_(pos_);
      break;
    }
    lines.push_back(finish_epoch());
    const nlohmann::json& m = lines.back();
    const int next = pos_.front().epoch + 1;
    for (TrainPosition& p : pos_) p = TrainPosition{next, 0, 0.0, 0, 0, 0.0};
    if (position_cb_) position_cb_(pos_);
    if (!options_.log_epochs) continue;
    std::string others;
    if (m.contains("networks")) {  // also a run of one network per process, on rank 0 (run/network_group.h)
      others = "  networks' test acc";
      for (const auto& n : m["networks"]) others += " " + std::to_string(100 * n["test_acc"].get<double>()).substr(0, 5) + "%";
    }
    // The route once, on the first summary line of this Trainer.
    const std::string route =
        route_said_ || !m.contains("step_route") ? "" : "  steps: " + m["step_route"].get<std::string>();
    route_said_ = true;
    std::fprintf(stderr,
                 "epoch %d/%d  lr %.5f  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  %.1fs (%.0f img/s)%s%s\n",
                 m["epoch"].get<int>(), options_.epochs, m["lr"].get<double>(), m["train_loss"].get<double>(),
                 100 * m["train_acc"].get<double>(), m["test_loss"].get<double>(), 100 * m["test_acc"].get<double>(),
                 m["epoch_seconds"].get<double>(), m["images_per_second"].get<double>(), others.c_str(),
                 route.c_str());
  }
  return lines;
}

}  // namespace revive
