#include "run/mpi/network_bytes.h"

#include <cstring>

#include "core/error.h"

namespace revive::mpi {
namespace {

// The network's tensors in the order they travel (the momentum flag follows them).
std::vector<Tensor> tensors_of(const RunNetwork& net, bool momentum) {
  std::vector<Tensor> out{net.arena->params()};
  for (const auto& [name, t] : net.model->named_buffers()) out.push_back(t);
  if (momentum) {
    REVIVE_CHECK(net.sgd != nullptr, "a network without an optimiser has no momentum to send");
    if (net.sgd->state().momentum.defined()) out.push_back(net.sgd->state().momentum);
  }
  return out;
}

}  // namespace

size_t network_bytes_size(const RunNetwork& net, bool momentum) {
  size_t n = momentum ? 1 : 0;
  for (const Tensor& t : tensors_of(net, momentum)) n += t.nbytes();
  return n;
}

std::vector<char> network_bytes(const RunNetwork& net, bool momentum) {
  std::vector<char> out;
  out.reserve(network_bytes_size(net, momentum));
  for (const Tensor& t : tensors_of(net, momentum)) {
    const Tensor host = t.device().is_cpu() ? t : t.to(Device::cpu());
    const char* p = static_cast<const char*>(host.raw_data());
    out.insert(out.end(), p, p + host.nbytes());
  }
  if (momentum) out.push_back(net.sgd->state().momentum_initialised ? 1 : 0);
  return out;
}

void load_network_bytes(const std::vector<char>& bytes, RunNetwork& net, bool momentum) {
  REVIVE_CHECK(bytes.size() == network_bytes_size(net, momentum),
               "received " << bytes.size() << " bytes of a network, expected " << network_bytes_size(net, momentum)
                           << " (do all ranks run the same revive on the same configuration?)");
  size_t at = 0;
  auto host_copy = [&](const Tensor& like) {
    Tensor host = Tensor::empty(like.shape(), like.dtype(), Device::cpu(), like.layout());
    std::memcpy(host.raw_data(), bytes.data() + at, host.nbytes());
    at += host.nbytes();
    return host;
  };
  std::vector<Tensor> tensors = tensors_of(net, false);
  for (Tensor& t : tensors) t.copy_from(host_copy(t));
  if (!momentum) return;
  const Tensor live = net.sgd->state().momentum;
  const Tensor saved = live.defined() ? host_copy(live) : Tensor();
  net.sgd->load_state({saved, bytes[at] != 0});
}

}  // namespace revive::mpi
