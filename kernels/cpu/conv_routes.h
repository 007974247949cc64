// The routes a CPU convolution can take, and what a choice between them is keyed by.
//
// Every pass of every convolution (forward, backward data, weight gradient) runs on one route:
// oneDNN's direct kernel, oneDNN's own Winograd kernel (AVX-512 builds of oneDNN only), revive's
// Winograd F(2x2, 3x3) tiles in AVX2 or AVX-512 and F(4x4, 3x3) tiles in AVX-512
// (conv2d_winograd.h), the forward pass through oneDNN's backward-data kernel, or the
// one-input-channel weight-gradient loops (conv2d_single_channel.h). Which routes apply depends on the shape, layouts and CPU
// (conv2d_cpu.cpp lists them); which one runs is chosen once per key (conv_route_table.h) and
// never changes within a process, because the routes round differently.
//
// A key is the layer's shape without the batch size: the last, smaller batch of an epoch and
// evaluation batches take the route chosen for the training batch, so every key a run needs is
// chosen in its first training step.
#pragma once

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/tensor.h"
#include "kernels/conv2d.h"

namespace revive::kernels::cpu {

enum class ConvPass : uint8_t { kForward, kBackwardData, kBackwardWeights };

enum class ConvRoute : uint8_t {
  kOneDnnDirect,
  kOneDnnDirectAsBackwardData,  // the forward pass as the backward-data pass of flipped filters
  kOneDnnWinograd,
  kWinogradAvx2,    // revive's F(2x2, 3x3) tiles, 8 channels a vector (nChw8c)
  kWinogradAvx512,  // revive's F(2x2, 3x3) tiles, 16 channels a vector (nChw16c)
  kSingleChannel,   // revive's one-input-channel weight gradient
  kWinogradF4Avx512,  // revive's F(4x4, 3x3) tiles, 16 channels a vector (nChw16c)
};
constexpr int kNumConvRoutes = 7;

// How routes are chosen: measured (the fastest candidate), or by fixed rules: `direct` never takes
// a Winograd route, `winograd` takes revive's tiles wherever they apply.
enum class ConvRouteMode : uint8_t { kAuto, kDirect, kWinograd };

const char* pass_name(ConvPass pass);  // "forward", "backward_data", "backward_weights"
const char* route_name(ConvRoute route);  // "onednn_direct", "winograd_f2_avx512", ...
std::optional<ConvRoute> route_named(const std::string& name);
bool is_winograd(ConvRoute route);
const char* mode_name(ConvRouteMode mode);  // "auto", "direct", "winograd"
std::optional<ConvRouteMode> mode_named(const std::string& name);

// What a route choice depends on besides the host: the pass, the layer's shape without the batch
// size, its parameters, the layouts of the pass's input and output (forward: x and y; backward
// data: dy and dx; weight gradient: x and dy) and whether there is a bias. Plain data, compared
// and hashed bytewise (no padding bytes: every member is 8 bytes wide).
struct ConvRouteKey {
  int64_t pass = 0;
  int64_t C = 0, H = 0, W = 0, K = 0, R = 0, S = 0;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1, groups = 1;
  int64_t in_layout = 0, out_layout = 0, bias = 0;

  ConvPass conv_pass() const { return static_cast<ConvPass>(pass); }
  bool operator==(const ConvRouteKey& o) const { return std::memcmp(this, &o, sizeof o) == 0; }
};

struct ConvRouteKeyHash {
  size_t operator()(const ConvRouteKey& k) const;
};

ConvRouteKey conv_route_key(ConvPass pass, const Conv2dShape& s, const Conv2dParams& p, Layout in, Layout out,
                            bool bias);
// The shape (batch size n) and parameters a key stands for.
Conv2dShape key_shape(const ConvRouteKey& k, int64_t n);
Conv2dParams key_params(const ConvRouteKey& k);

// One line for messages: "forward 16x28x28 -> 16, 3x3, stride 1, pad 1 (nChw16c -> nChw16c)".
std::string describe_key(const ConvRouteKey& k);

// A key and its route as the routes file of a run folder and the route cache store them. The
// reader checks every field (types, ranges, known names) and throws revive::Error naming `origin`
// and the field: the files are inputs like any other.
nlohmann::json route_entry_json(const ConvRouteKey& k, ConvRoute route);
std::pair<ConvRouteKey, ConvRoute> route_entry_from_json(const nlohmann::json& j, const std::string& origin);

// Prints "revive: warning: <message>" to stderr once per process for each distinct message.
void warn_once(const std::string& message);

}  // namespace revive::kernels::cpu
