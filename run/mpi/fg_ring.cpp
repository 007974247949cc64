#include "run/mpi/fg_ring.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "kernels/device_runtime.h"
#include "optim/trainer.h"
#include "reactivation/fg/fg_reactivator.h"
#include "run/mpi/network_bytes.h"

namespace revive::mpi {
namespace {

std::vector<char> bytes_of(const nlohmann::json& j) {
  const std::string s = j.dump();
  return {s.begin(), s.end()};
}

nlohmann::json json_of(const std::vector<char>& bytes) { return nlohmann::json::parse(bytes.begin(), bytes.end()); }

ModelRef ref(RunNetwork& n) { return {n.model.get(), n.arena.get()}; }

// Network 0's row of a two-network step (this rank's network; network 1 is its scion's copy).
nlohmann::json fg_row(const FgReport& r) {
  // Both networks of a two-network ring skip the same coefficients (a NaN criterion difference, or
  // |g| + |g'| = 0, is the same seen from either side), so half the count is this network's.
  REVIVE_CHECK(r.skipped % 2 == 0, "FG: a two-network step skipped an odd number of coefficients");
  nlohmann::json row{{"skipped", r.skipped / 2}, {"elapsed_us", r.elapsed_us}};
  if (!r.alpha.empty()) {
    row["alpha"] = r.alpha[0];
    row["criterion"] = r.criterion_value[0];
  }
  if (!r.mean_channel_weight.empty()) row["mean_channel_weight"] = r.mean_channel_weight[0];
  return row;
}

}  // namespace

FgRing::FgRing(double timeout_seconds) : comm_(timeout_seconds) {}

RunConfig FgRing::for_this_process(const RunConfig& config) const {
  RunConfig c = config;
  const int gpus = kernels::cuda_device_count();
  if ((c.device.empty() || c.device == "cuda") && gpus > 0) c.device = "cuda:" + std::to_string(comm_.local_rank() % gpus);
  return c;
}

void FgRing::attach(RunParts& run) {
  const int n = size();
  REVIVE_CHECK(run.config.method == "fg",
               "under mpirun each rank trains one network of a Filter Grafting run (--method fg --models "
                   << n << "); method '" << run.config.method << "' does not exchange weights: run it as one process");
  REVIVE_CHECK(static_cast<int>(run.networks.size()) == n,
               "--models " << run.networks.size() << " but mpirun started " << n << " ranks: give one rank per network");
  const auto* fg = dynamic_cast<const FgReactivator*>(run.reactivator.get());
  REVIVE_CHECK(fg != nullptr, "--method fg built no Filter Grafting reactivator");
  options_ = fg->options();
  options_.models = n;
  REVIVE_CHECK(fg_variant_grafts(options_.variant),
               "--fg-variant " << fg_variant_name(options_.variant)
                               << " rewrites each network alone (no exchange between ranks): run it as one process");
  FgOptions pair = options_;
  pair.models = 2;
  stepper_ = std::make_unique<FgStepper>(pair);
}

void FgRing::test_fault(int epoch) const {
  const char* spec = std::getenv("REVIVE_MPI_TEST_FAULT");
  if (spec == nullptr) return;
  int fault_rank = -1, fault_epoch = -1;
  char kind[8] = {0};
  REVIVE_CHECK(std::sscanf(spec, "%d:%d:%7s", &fault_rank, &fault_epoch, kind) == 3,
               "REVIVE_MPI_TEST_FAULT must be <rank>:<epoch>:exit|hang, got '" << spec << "'");
  if (fault_rank != rank() || fault_epoch != epoch + 1) return;
  std::fprintf(stderr, "revive: rank %d: REVIVE_MPI_TEST_FAULT: %s at the exchange after epoch %d\n", rank(), kind,
               epoch + 1);
  std::fflush(stderr);
  if (std::string(kind) == "exit") std::_Exit(3);
  while (true) std::this_thread::sleep_for(std::chrono::seconds(60));
}

nlohmann::json FgRing::reactivate(const ReactivationContext& ctx, RunParts& run, const TrainPosition& own,
                                  const Census& census, nlohmann::json& line) {
  REVIVE_CHECK(stepper_ != nullptr, "FgRing::reactivate before attach");
  test_fault(ctx.epoch);
  const int k = rank(), n = size(), next = (k + 1) % n, prev = (k + n - 1) % n;
  RunNetwork& self = run.network(static_cast<size_t>(k));
  RunNetwork& scion = run.network(static_cast<size_t>(prev));
  std::vector<char> received(network_bytes_size(scion, false));
  comm_.exchange(network_bytes(self, false), next, received, prev,
                 "while exchanging the weights after epoch " + std::to_string(ctx.epoch + 1));
  load_network_bytes(received, scion, false);

  const std::vector<ModelRef> pair{ref(self), ref(scion)};
  const FgLayout& layout = stepper_->layout_for(pair);
  const FgReport report = stepper_->run(layout, {fg_network(*self.model, *self.arena), fg_network(*scion.model, *scion.arena)},
                                        self.arena->device(), ctx.epoch, ctx.seed);

  nlohmann::json figures = line;
  figures.erase("epoch");
  figures["filters"] = census(self);
  const nlohmann::json mine{{"figures", figures}, {"position", own.to_json()}, {"fg", fg_row(report)}};
  const std::vector<std::vector<char>> all =
      comm_.gather(bytes_of(mine), "while gathering the figures of epoch " + std::to_string(ctx.epoch + 1));
  if (k != 0) return nlohmann::json::object();
  nlohmann::json networks = nlohmann::json::array();
  std::vector<nlohmann::json> rows;
  double train_seconds = 0;
  int64_t seen = 0;
  for (const std::vector<char>& bytes : all) {
    const nlohmann::json j = json_of(bytes);
    networks.push_back(j.at("figures"));
    const TrainPosition pos = TrainPosition::from_json(j.at("position"), "a rank's position");
    train_seconds += pos.train_seconds;
    seen += pos.seen;
    rows.push_back(j.at("fg"));
  }
  line = epoch_line(networks, ctx.epoch, train_seconds, seen);
  return telemetry(report, rows);
}

nlohmann::json FgRing::telemetry(const FgReport& own, const std::vector<nlohmann::json>& rows) const {
  FgReport r;
  r.reset(own.epoch, options_, own.groups);
  for (size_t m = 0; m < rows.size(); ++m) {
    const nlohmann::json& row = rows[m];
    if (!r.alpha.empty()) {
      r.alpha[m] = row.at("alpha").get<std::vector<double>>();
      r.criterion_value[m] = row.at("criterion").get<std::vector<float>>();
    }
    if (!r.mean_channel_weight.empty()) r.mean_channel_weight[m] = row.at("mean_channel_weight").get<double>();
    r.skipped += row.at("skipped").get<int64_t>();
    r.elapsed_us = std::max(r.elapsed_us, row.at("elapsed_us").get<double>());
  }
  r.convs_without_input_bn = own.convs_without_input_bn;  // counted per step, the same on every rank
  nlohmann::json t = r.summary_json();
  t["detail"] = r.detail_json();  // as FgReactivator::apply reports a step
  return t;
}

std::vector<TrainPosition> FgRing::gather(RunParts& run, const TrainPosition& own) {
  const std::string what = "while gathering the networks for a checkpoint (epoch " + std::to_string(own.epoch) + ")";
  const std::vector<std::vector<char>> positions = comm_.gather(bytes_of(own.to_json()), what);
  const std::vector<std::vector<char>> nets = comm_.gather(network_bytes(run.network(static_cast<size_t>(rank())), true), what);
  if (rank() != 0) return {own};
  std::vector<TrainPosition> out{own};
  for (size_t r = 1; r < nets.size(); ++r) {
    load_network_bytes(nets[r], run.network(r), true);
    out.push_back(TrainPosition::from_json(json_of(positions[r]), "rank " + std::to_string(r) + "'s position"));
  }
  return out;
}

}  // namespace revive::mpi

namespace revive {

std::unique_ptr<NetworkGroup> join_network_group(double timeout_seconds) {
  if (launcher_ranks() <= 1) return nullptr;
  return std::make_unique<mpi::FgRing>(timeout_seconds);
}

}  // namespace revive
