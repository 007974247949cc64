// join_network_group in a build without MPI (REVIVE_MPI=OFF, or no MPI found at configure time).
#include "core/error.h"
#include "run/network_group.h"

namespace revive {

std::unique_ptr<NetworkGroup> join_network_group(double) {
  const int ranks = launcher_ranks();
  REVIVE_CHECK(ranks <= 1, "revive was started as " << ranks << " MPI ranks, but this build has no MPI: install "
                                                       "libopenmpi-dev and rebuild (cmake -DREVIVE_MPI=ON), or run "
                                                       "one process with --models N");
  return nullptr;
}

}  // namespace revive
