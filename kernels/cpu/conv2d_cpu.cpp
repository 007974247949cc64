// The CPU convolution entry points of kernels/conv2d.h: each pass looks up its route
// (conv_route_table.h), choosing it among the candidates listed here on the key's first use, and
// runs it.
#include "kernels/cpu/conv2d_cpu.h"

#include <atomic>

#include "core/error.h"
#include "kernels/cpu/conv2d_onednn.h"
#include "kernels/cpu/conv2d_single_channel.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "kernels/cpu/conv_route_table.h"

namespace revive::kernels {
namespace {

using cpu::ConvPass;
using cpu::ConvRoute;
using cpu::OneDnnAlgorithm;
using cpu::WinogradTiles;

std::atomic<uint64_t> g_runs[cpu::kNumConvRoutes];

void count(ConvRoute r) { g_runs[static_cast<int>(r)].fetch_add(1, std::memory_order_relaxed); }

}  // namespace

namespace cpu {

WinogradTiles tiles_of(ConvRoute r) {
  if (r == ConvRoute::kWinogradAvx2) return WinogradTiles::kF2Avx2;
  return r == ConvRoute::kWinogradF4Avx512 ? WinogradTiles::kF4Avx512 : WinogradTiles::kF2Avx512;
}

// The order: revive's tiles (F(2x2, 3x3) first, which the `winograd` rule takes; the widest first; only one of them matches the layouts anyway), the
// special direct loops, oneDNN's direct kernel, oneDNN's Winograd kernel.
std::vector<ConvRoute> conv_route_candidates(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in,
                                             Layout out, bool bias) {
  std::vector<ConvRoute> c;
  for (ConvRoute r : {ConvRoute::kWinogradAvx512, ConvRoute::kWinogradF4Avx512, ConvRoute::kWinogradAvx2}) {
    if (cpu::winograd_applies(tiles_of(r), pass, s, p, in, out, bias)) c.push_back(r);
  }
  if (pass == ConvPass::kBackwardWeights && cpu::single_channel_conv_applies(s, p, in, out, bias)) {
    c.push_back(ConvRoute::kSingleChannel);
  }
  if (pass == ConvPass::kForward && cpu::forward_as_backward_data_applies(s, p, bias)) {
    c.push_back(ConvRoute::kOneDnnDirectAsBackwardData);
  }
  c.push_back(ConvRoute::kOneDnnDirect);
  if (cpu::onednn_winograd_applies(pass, s, p, in, out, bias)) c.push_back(ConvRoute::kOneDnnWinograd);
  return c;
}

uint64_t conv_route_runs(ConvRoute route) { return g_runs[static_cast<int>(route)].load(std::memory_order_relaxed); }

}  // namespace cpu

namespace {

OneDnnAlgorithm algorithm_of(ConvRoute r) {
  return r == ConvRoute::kOneDnnWinograd ? OneDnnAlgorithm::kWinograd : OneDnnAlgorithm::kDirect;
}

// The switches below name every route and have no default, so that a new route the build does not
// dispatch is a compiler warning (an error under REVIVE_WERROR), not a silent oneDNN call.
[[noreturn]] void not_a_route_of(ConvRoute r, const char* pass) {
  REVIVE_THROW("internal error: " << cpu::route_name(r) << " is not a route of the " << pass << " pass");
}

Tensor forward(ConvRoute r, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p,
               Layout y_layout) {
  count(r);
  switch (r) {
    case ConvRoute::kWinogradAvx2:
    case ConvRoute::kWinogradAvx512:
    case ConvRoute::kWinogradF4Avx512: return cpu::winograd_forward(tiles_of(r), x, w);
    case ConvRoute::kOneDnnDirectAsBackwardData: return cpu::onednn_forward_as_backward_data(x, w, p, y_layout);
    case ConvRoute::kOneDnnDirect:
    case ConvRoute::kOneDnnWinograd: return cpu::onednn_conv_forward(x, w, bias, p, y_layout, algorithm_of(r));
    case ConvRoute::kSingleChannel: break;
  }
  not_a_route_of(r, "forward");
}

Tensor backward_data(ConvRoute r, const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                     const Conv2dParams& p) {
  count(r);
  switch (r) {
    case ConvRoute::kWinogradAvx2:
    case ConvRoute::kWinogradAvx512:
    case ConvRoute::kWinogradF4Avx512: return cpu::winograd_backward_data(tiles_of(r), dy, w);
    case ConvRoute::kOneDnnDirect:
    case ConvRoute::kOneDnnWinograd:
      return cpu::onednn_conv_backward_data(dy, w, x_shape, x_layout, p, algorithm_of(r));
    case ConvRoute::kOneDnnDirectAsBackwardData:
    case ConvRoute::kSingleChannel: break;
  }
  not_a_route_of(r, "backward data");
}

void backward_weights(ConvRoute r, Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy,
                      const Conv2dParams& p) {
  count(r);
  switch (r) {
    case ConvRoute::kWinogradAvx2:
    case ConvRoute::kWinogradAvx512:
    case ConvRoute::kWinogradF4Avx512: return cpu::winograd_backward_weights(tiles_of(r), dw, x, dy);
    case ConvRoute::kSingleChannel:
      return cpu::single_channel_conv_backward_weights(dw, x, dy, conv2d_shape(x.shape(), dw.shape(), p), p);
    case ConvRoute::kOneDnnDirect:
    case ConvRoute::kOneDnnWinograd: return cpu::onednn_conv_backward_weights(dw, dbias, x, dy, p, algorithm_of(r));
    case ConvRoute::kOneDnnDirectAsBackwardData: break;
  }
  not_a_route_of(r, "weight gradient");
}

// The key's route: known after its first use; chosen on it, timing `run_once` where measured.
template <class RunOnce>
ConvRoute route_of(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in, Layout out, bool bias,
                   RunOnce&& run_once) {
  const cpu::ConvRouteKey key = cpu::conv_route_key(pass, s, p, in, out, bias);
  if (const std::optional<ConvRoute> known = cpu::known_conv_route(key)) return *known;
  return cpu::choose_conv_route(key, cpu::conv_route_candidates(pass, s, p, in, out, bias), run_once);
}

}  // namespace

Tensor conv2d_forward_cpu(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p, Layout y_layout) {
  const Conv2dShape s = conv2d_shape(x.shape(), w.shape(), p);
  if (s.N == 0) return Tensor::empty({s.N, s.K, s.P, s.Q}, DType::kFloat32, Device::cpu(), y_layout);
  const ConvRoute r = route_of(ConvPass::kForward, s, p, x.layout(), y_layout, bias.defined(),
                               [&](ConvRoute c) { forward(c, x, w, bias, p, y_layout); });
  return forward(r, x, w, bias, p, y_layout);
}

Tensor conv2d_backward_data_cpu(const Tensor& dy, const Tensor& w, const Shape& x_shape, Layout x_layout,
                                const Conv2dParams& p) {
  const Conv2dShape s = conv2d_shape(x_shape, w.shape(), p);
  if (s.N == 0) return Tensor::empty(x_shape, DType::kFloat32, Device::cpu(), x_layout);
  const ConvRoute r = route_of(ConvPass::kBackwardData, s, p, dy.layout(), x_layout, false,
                               [&](ConvRoute c) { backward_data(c, dy, w, x_shape, x_layout, p); });
  return backward_data(r, dy, w, x_shape, x_layout, p);
}

void conv2d_backward_weights_cpu(Tensor& dw, Tensor* dbias, const Tensor& x, const Tensor& dy, const Conv2dParams& p) {
  const Conv2dShape s = conv2d_shape(x.shape(), dw.shape(), p);
  if (s.N == 0) return;
  Tensor dw_scratch, db_scratch;  // timed into these: dw and dbias accumulate
  const ConvRoute r = route_of(ConvPass::kBackwardWeights, s, p, x.layout(), dy.layout(), dbias != nullptr,
                               [&](ConvRoute c) {
                                 if (!dw_scratch.defined()) {
                                   dw_scratch = Tensor::zeros(dw.shape());
                                   if (dbias) db_scratch = Tensor::zeros(dbias->shape());
                                 }
                                 backward_weights(c, dw_scratch, dbias ? &db_scratch : nullptr, x, dy, p);
                               });
  backward_weights(r, dw, dbias, x, dy, p);
}

std::string cpu_conv_routes() { return cpu::describe_conv_routes(); }

}  // namespace revive::kernels
