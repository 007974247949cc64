// A run whose networks train in several processes, one network each: Filter Grafting over MPI
// (run/mpi/, `mpirun -np N revive train --method fg --models N`). The process of network k builds
// the whole run, every network as one process would, so that network k is the same (seed, initial
// learning rate, data order) and rank 0 has a place for every network's weights when it writes
// checkpoints, the final models and the ensemble; it trains network k only.
//
// tools/train_run.cpp drives a run through this interface: every process trains and evaluates its
// network, reactivate() grafts it and gives rank 0 the run's metrics line, gather() brings every
// network to rank 0 before a checkpoint; rank 0 alone writes the run folder. A build without MPI
// has no group (run/no_mpi/) and refuses to run as several ranks.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "optim/train_position.h"
#include "reactivation/reactivator.h"
#include "run/run_builder.h"
#include "run/run_config.h"

namespace revive {

class NetworkGroup {
 public:
  virtual ~NetworkGroup() = default;
  virtual int rank() const = 0;  // the 0-based network this process trains
  virtual int size() const = 0;  // the run's networks, one per process

  // The configuration this process builds: the device where ranks share a machine with several
  // GPUs ("cuda" or the default become cuda:<local rank>); everything else as given.
  virtual RunConfig for_this_process(const RunConfig& config) const = 0;
  // Checks that the built run suits the group (method, network count, variant); call once.
  virtual void attach(RunParts& run) = 0;
  // A network's figures that only its own process can give after the step (the dead-filter census).
  using Census = std::function<nlohmann::json(const RunNetwork& network)>;
  // After the evaluation of 0-based epoch ctx.epoch: every process reactivates its own network
  // exactly as one process does network k of N; on rank 0 `line`, its own network's epoch line,
  // becomes the run's line (every network's figures, each with its `filters` census) and the
  // method's telemetry of every network is returned (an empty object elsewhere). `own`: this
  // process's training position of the epoch.
  virtual nlohmann::json reactivate(const ReactivationContext& ctx, RunParts& run, const TrainPosition& own,
                                    const Census& census, nlohmann::json& line) = 0;
  // Every network's weights, buffers, SGD momentum and position into rank 0's copies of the
  // networks (run.networks); returns every network's position on rank 0, {own} elsewhere.
  virtual std::vector<TrainPosition> gather(RunParts& run, const TrainPosition& own) = 0;
  // Prints "revive: rank <r>: <message>" and ends every process of the group (an error on one rank
  // would otherwise leave the others waiting for it).
  [[noreturn]] virtual void abort_job(const std::string& message) = 0;
};

// The ranks the MPI launcher (mpirun, mpiexec, srun) started this process among, read from the
// environment it sets (OMPI_COMM_WORLD_SIZE, PMI_SIZE); 1 for a process started otherwise.
int launcher_ranks();

// The group of the processes this one was started with when there are several (initialises MPI;
// `timeout_seconds` bounds every wait for another rank, run/mpi/mpi_comm.h), null for a single
// process. A build without MPI started as several ranks throws, saying so.
std::unique_ptr<NetworkGroup> join_network_group(double timeout_seconds);

}  // namespace revive
