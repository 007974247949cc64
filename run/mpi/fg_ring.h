// Filter Grafting with one network per MPI rank (spec reactivation.md 2.1: N networks in a ring,
// network k takes its scion from network k-1). After each epoch's evaluation rank k sends its
// pre-graft parameter arena and buffers to rank k+1 and receives rank k-1's into its own copy of
// network k-1 (one MPI_Isend/MPI_Irecv pair, bounded wait: mpi_comm.h), then runs FG's step on the
// pair (network k, its scion) through the same FgStepper a one-process run uses (fg_step.h). In a
// two-network ring the first network's predecessor is the second, so network k gets exactly the
// alpha and the blend it gets among N (both depend on k and k-1 alone); the scion copy is blended
// too and then ignored. The external (default) and filter variants graft between networks; noise
// and internal rewrite each network alone and draw their noise by network index, so they run in
// one process.
//
// Rank 0 gathers each rank's metrics figures, training position and its row of the step's report
// and writes the line a one-process run writes: the same figures, bit for bit, but the times.
//
// Test-only: REVIVE_MPI_TEST_FAULT=<rank>:<epoch>:exit|hang makes that rank, at the exchange after
// that 1-based epoch, exit with status 3 (as a crashed process) or sleep for ever (as a hung one),
// so the tests can check that the job ends with an error naming the rank. Never set it otherwise.
#pragma once

#include <memory>

#include "reactivation/fg/fg_step.h"
#include "run/mpi/mpi_comm.h"
#include "run/network_group.h"

namespace revive::mpi {

class FgRing final : public NetworkGroup {
 public:
  explicit FgRing(double timeout_seconds);
  int rank() const override { return comm_.rank(); }
  int size() const override { return comm_.size(); }
  RunConfig for_this_process(const RunConfig& config) const override;
  void attach(RunParts& run) override;
  nlohmann::json reactivate(const ReactivationContext& ctx, RunParts& run, const TrainPosition& own,
                            const Census& census, nlohmann::json& line) override;
  std::vector<TrainPosition> gather(RunParts& run, const TrainPosition& own) override;
  [[noreturn]] void abort_job(const std::string& message) override { comm_.abort_job(message, 1); }

 private:
  void test_fault(int epoch) const;
  // On rank 0: the step's telemetry of every network from each rank's row (fg_row).
  nlohmann::json telemetry(const FgReport& own, const std::vector<nlohmann::json>& rows) const;

  Comm comm_;
  FgOptions options_;  // the run's, for its N networks
  std::unique_ptr<FgStepper> stepper_;  // of two networks: this rank's and its scion
};

}  // namespace revive::mpi
