// One network's state as bytes to send to another process: its parameter arena (padding included,
// so the copy is the arena as it is), its buffers in named_buffers order (BN running statistics,
// num_batches_tracked: what Filter Grafting blends besides the parameters), and optionally its SGD
// momentum arena with the "written yet" flag (for checkpoints). Tensors on a GPU go through the host.
#pragma once

#include <cstddef>
#include <vector>

#include "run/run_builder.h"

namespace revive::mpi {

size_t network_bytes_size(const RunNetwork& net, bool momentum);
std::vector<char> network_bytes(const RunNetwork& net, bool momentum);
// Writes bytes made by network_bytes (of a network of the same architecture) into `net`.
void load_network_bytes(const std::vector<char>& bytes, RunNetwork& net, bool momentum);

}  // namespace revive::mpi
